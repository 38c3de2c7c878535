#include "image/config_changes.h"

#include <gtest/gtest.h>

namespace berth::image {
namespace {

using nlohmann::json;

json Apply(const std::vector<std::string>& changes, json config = json::object()) {
  auto st = ApplyConfigChanges(config, changes);
  EXPECT_TRUE(st) << st.error().What();
  return config;
}

std::string ErrorOf(const std::vector<std::string>& changes, json config = json::object()) {
  json before = config;
  auto st = ApplyConfigChanges(config, changes);
  EXPECT_FALSE(st);
  if (st) return "";
  EXPECT_EQ(st.error().code(), EINVAL);
  EXPECT_EQ(config, before) << "a failed change must leave the config as it was";
  return st.error().What();
}

TEST(ConfigChanges, CmdExecAndShellForms) {
  EXPECT_EQ(Apply({R"(CMD ["/bin/sh","-c","echo hi"])"})["Cmd"],
            json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(Apply({"CMD echo \"hi there\" $HOME"})["Cmd"],
            json({"/bin/sh", "-c", "echo \"hi there\" $HOME"}));
  // JSON that is not an array of strings is the shell form, as docker has it.
  EXPECT_EQ(Apply({"CMD [1, 2]"})["Cmd"], json({"/bin/sh", "-c", "[1, 2]"}));
  EXPECT_EQ(Apply({"cmd [\"a\"]"})["Cmd"], json({"a"}));
  EXPECT_EQ(Apply({"CMD []"})["Cmd"], json::array());
}

TEST(ConfigChanges, EntrypointClearsCmdUnlessSetByTheseChanges) {
  json base = {{"Cmd", {"old"}}};
  json c = Apply({R"(ENTRYPOINT ["/bin/busybox"])"}, base);
  EXPECT_EQ(c["Entrypoint"], json({"/bin/busybox"}));
  EXPECT_TRUE(c["Cmd"].is_null());
  c = Apply({"CMD [\"sh\"]", "ENTRYPOINT /init --x"}, base);
  EXPECT_EQ(c["Cmd"], json({"sh"}));
  EXPECT_EQ(c["Entrypoint"], json({"/bin/sh", "-c", "/init --x"}));
  c = Apply({"ENTRYPOINT [\"e\"]", "CMD [\"c\"]"}, base);
  EXPECT_EQ(c["Cmd"], json({"c"}));
}

TEST(ConfigChanges, EnvBothForms) {
  json c = Apply({R"(ENV A=1 B="two words" C='single $A' D=x\ y)", "ENV OLD the rest  of it"});
  EXPECT_EQ(c["Env"], json({"A=1", "B=two words", "C=single $A", "D=x y", "OLD=the rest  of it"}));
  // A later ENV replaces the same name in place.
  c = Apply({"ENV A=2"}, c);
  EXPECT_EQ(c["Env"][0], "A=2");
  EXPECT_EQ(c["Env"].size(), 5u);
  EXPECT_EQ(Apply({"ENV E="})["Env"], json({"E="}));
  EXPECT_EQ(Apply({"ENV Q=\"\""})["Env"], json({"Q="}));
}

TEST(ConfigChanges, EnvExpansionUsesTheEnvBeforeTheLine) {
  json base = {{"Env", {"PATH=/bin", "X=old"}}};
  json c = Apply({"ENV X=new Y=$X Z=${PATH}:/sbin", "ENV W=$X"}, base);
  EXPECT_EQ(c["Env"], json({"PATH=/bin", "X=new", "Y=old", "Z=/bin:/sbin", "W=new"}));
  c = Apply({R"(ENV A=${UNSET:-dflt} B=${X:+alt} C=${UNSET:+alt} D="$X" E='$X' F=\$X G=$)"}, base);
  EXPECT_EQ(c["Env"],
            json({"PATH=/bin", "X=old", "A=dflt", "B=alt", "C=", "D=old", "E=$X", "F=$X", "G=$"}));
  // Set-but-empty differs between ":-" and "-".
  c = Apply({"ENV A=${EMPTY:-d} B=${EMPTY-d}"}, json{{"Env", {"EMPTY="}}});
  EXPECT_EQ(c["Env"], json({"EMPTY=", "A=d", "B="}));
}

TEST(ConfigChanges, LabelWorkdirUserStopsignal) {
  json c = Apply({"LABEL k=v \"a b\"=\"c d\"", "LABEL old style value", "WORKDIR /srv",
                  "WORKDIR app/../data", "USER 1000:1000", "STOPSIGNAL SIGUSR1"});
  EXPECT_EQ(c["Labels"], json({{"k", "v"}, {"a b", "c d"}, {"old", "style value"}}));
  EXPECT_EQ(c["WorkingDir"], "/srv/data");
  EXPECT_EQ(c["User"], "1000:1000");
  EXPECT_EQ(c["StopSignal"], "SIGUSR1");
  EXPECT_EQ(Apply({"WORKDIR rel"})["WorkingDir"], "/rel");
  EXPECT_EQ(Apply({"ENV D=/opt", "WORKDIR $D/x", "USER ${U:-nobody}"})["WorkingDir"], "/opt/x");
  EXPECT_EQ(Apply({"USER ${U:-nobody}"})["User"], "nobody");
  for (const char* sig : {"9", "KILL", "sigterm", "SIGRTMIN+3", "RTMAX-1"})
    EXPECT_EQ(Apply({std::string("STOPSIGNAL ") + sig})["StopSignal"], sig);
}

TEST(ConfigChanges, ExposeVolumeOnbuildHealthcheck) {
  json c = Apply({"EXPOSE 8080/tcp 53/UDP 9000-9002", "ENV P=\"1 2\"", "EXPOSE $P"});
  EXPECT_EQ(c["ExposedPorts"], json({{"8080/tcp", json::object()},
                                     {"53/udp", json::object()},
                                     {"9000/tcp", json::object()},
                                     {"9001/tcp", json::object()},
                                     {"9002/tcp", json::object()},
                                     {"1/tcp", json::object()},
                                     {"2/tcp", json::object()}}));
  c = Apply({"VOLUME /data /logs", R"(VOLUME ["/a b"])"});
  EXPECT_EQ(c["Volumes"],
            json({{"/data", json::object()}, {"/logs", json::object()}, {"/a b", json::object()}}));
  c = Apply({"ONBUILD RUN echo $X", "onbuild COPY . /src"});
  EXPECT_EQ(c["OnBuild"], json({"RUN echo $X", "COPY . /src"}));
  c = Apply({"HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/"});
  EXPECT_EQ(c["Healthcheck"], json({{"Test", {"CMD-SHELL", "curl -f http://localhost/"}},
                                    {"Interval", int64_t{30000000000}},
                                    {"Retries", 3}}));
  c = Apply({"HEALTHCHECK --timeout=1m30s --start-period=1.5s CMD [\"true\"]"});
  EXPECT_EQ(c["Healthcheck"], json({{"Test", {"CMD", "true"}},
                                    {"Timeout", int64_t{90000000000}},
                                    {"StartPeriod", int64_t{1500000000}}}));
  EXPECT_EQ(Apply({"HEALTHCHECK NONE"})["Healthcheck"], json({{"Test", {"NONE"}}}));
}

TEST(ConfigChanges, SkipsBlankAndCommentLinesAndKeepsOtherFields) {
  json base = {{"Hostname", ""}, {"Env", nullptr}, {"Labels", nullptr}};
  json c = Apply({"", "   ", "# a comment", "  ENV A=1  "}, base);
  EXPECT_EQ(c["Env"], json({"A=1"}));
  EXPECT_TRUE(c["Labels"].is_null());
  EXPECT_EQ(c["Hostname"], "");
}

TEST(ConfigChanges, RefusesInstructionsDockerRefuses) {
  EXPECT_EQ(ErrorOf({"RUN x"}), "RUN is not a valid change command");
  EXPECT_EQ(ErrorOf({"ENV A=1", "copy a b"}), "copy is not a valid change command");
  for (const char* bad :
       {"FROM scratch", "ADD a b", "SHELL [\"sh\"]", "ARG X", "MAINTAINER me", "BOGUS"})
    EXPECT_NE(ErrorOf({bad}).find("is not a valid change command"), std::string::npos) << bad;
}

TEST(ConfigChanges, BadArgumentsNameTheChange) {
  EXPECT_EQ(ErrorOf({"ENV"}), "change \"ENV\": ENV requires at least one argument");
  EXPECT_EQ(ErrorOf({"ENV onlykey"}), "change \"ENV onlykey\": ENV must have two arguments");
  EXPECT_EQ(ErrorOf({"ENV A=1 B"}),
            "change \"ENV A=1 B\": Syntax error - can't find = in \"B\". Must be of the form: "
            "name=value");
  EXPECT_EQ(ErrorOf({"ENV =v"}), "change \"ENV =v\": ENV names can not be blank");
  EXPECT_NE(ErrorOf({"ENV A=\"open"}).find("matching double-quote"), std::string::npos);
  EXPECT_NE(ErrorOf({"LABEL a='open"}).find("matching single-quote"), std::string::npos);
  EXPECT_NE(ErrorOf({"ENV A=${B"}).find("missing '}'"), std::string::npos);
  EXPECT_NE(ErrorOf({"ENV A=${B/x/y}"}).find("unsupported modifier (/)"), std::string::npos);
  EXPECT_NE(ErrorOf({"ENV A=\"${B:?must be set}\""}).find("B: must be set"), std::string::npos);
  EXPECT_NE(ErrorOf({"CMD"}).find("CMD requires at least one argument"), std::string::npos);
  EXPECT_NE(ErrorOf({"WORKDIR"}).find("exactly one argument"), std::string::npos);
  EXPECT_NE(ErrorOf({"USER"}).find("exactly one argument"), std::string::npos);
  EXPECT_NE(ErrorOf({"EXPOSE"}).find("at least one argument"), std::string::npos);
  EXPECT_NE(ErrorOf({"EXPOSE 80/foo"}).find("invalid proto: foo"), std::string::npos);
  EXPECT_NE(ErrorOf({"EXPOSE http"}).find("invalid containerPort: http"), std::string::npos);
  EXPECT_NE(ErrorOf({"EXPOSE 70000"}).find("invalid containerPort"), std::string::npos);
  EXPECT_NE(ErrorOf({"EXPOSE 90-80"}).find("invalid range"), std::string::npos);
  EXPECT_NE(ErrorOf({"VOLUME [\"\"]"}).find("can not be an empty string"), std::string::npos);
  EXPECT_NE(ErrorOf({"STOPSIGNAL SIGNOPE"}).find("Invalid signal: SIGNOPE"), std::string::npos);
  EXPECT_NE(ErrorOf({"STOPSIGNAL 0"}).find("Invalid signal: 0"), std::string::npos);
  EXPECT_NE(ErrorOf({"ONBUILD ONBUILD RUN x"}).find("isn't allowed"), std::string::npos);
  EXPECT_NE(ErrorOf({"ONBUILD FROM x"}).find("FROM isn't allowed"), std::string::npos);
  EXPECT_NE(ErrorOf({"ONBUILD NOPE x"}).find("unknown instruction: NOPE"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK NONE x"}).find("takes no arguments"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK RUN x"}).find("try CMD"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK --bogus=1 CMD x"}).find("Unknown flag: bogus"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK --interval=5 CMD x"}).find("--interval"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK --interval=1us CMD x"}).find("less than 1ms"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK --retries=-1 CMD x"}).find("negative"), std::string::npos);
  EXPECT_NE(ErrorOf({"HEALTHCHECK CMD"}).find("Missing command"), std::string::npos);
}

TEST(ConfigChanges, AFailedChangeLeavesEarlierOnesUnapplied) {
  json c = {{"User", "root"}};
  EXPECT_FALSE(ApplyConfigChanges(c, {"USER nobody", "RUN x"}));
  EXPECT_EQ(c, json({{"User", "root"}}));
}

TEST(ConfigChanges, ErrorsStayOnOneLine) {
  std::string e = ErrorOf({"ENV A=1 B\nC"});
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

}  // namespace
}  // namespace berth::image
