// A small mutation fuzzer for the libFuzzer entry point
// (LLVMFuzzerTestOneInput), so the fuzz targets run under g++ with ASan and
// UBSan, in CTest, without clang: every seed first, then `--runs` inputs
// made by mutating seeds (bit flips, byte edits, chunk copies, splices and
// dictionary tokens), reproducibly from `--seed`. A crash, a sanitizer
// report or an abort() from a target's own property check fails the run;
// the input that caused it is written to ./crash-<target>-<n> first.
//
// Usage: fuzz_NAME [--runs N] [--seed S] [--max-len L] SEED_FILE_OR_DIR...
// With clang, the same target files link against libFuzzer instead.
#include <dirent.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, saved if the run dies. Never destroyed: LeakSanitizer
// reports (and calls the death callback) after static destructors have run.
std::string& g_current = *new std::string;
const char* g_name = "fuzz";

void SaveCurrent() {
  static int n = 0;
  std::string path = std::string("crash-") + g_name + "-" + std::to_string(n++);
  std::ofstream(path, std::ios::binary) << g_current;
  std::fprintf(stderr, "fuzz: input saved to %s\n", path.c_str());
}

void RunOne(const std::string& input) {
  g_current = input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

void AddSeeds(const std::string& path, std::vector<std::string>* seeds) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "fuzz: %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(2);
  }
  if (S_ISDIR(st.st_mode)) {
    DIR* d = ::opendir(path.c_str());
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());  // a reproducible order
    for (const auto& n : names) AddSeeds(path + "/" + n, seeds);
    return;
  }
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  seeds->push_back(ss.str());
}

// Tokens that steer JSON-ish and line-oriented parsers into their branches.
const char* const kDictionary[] = {
    "{",       "}",     "[",     "]",          ":",
    ",",       "\"",    "null",  "true",       "false",
    "-1",      "0",     "1e309", "4294967296", "18446744073709551616",
    "\\u0000", "\n",    " - ",   "/",          "..",
    "cgroup2", "name=", ":/",    "\"\"",       "{}",
    "[]"};

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng, size_t max_len) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  std::string s = seeds[pick(seeds.size())];
  int edits = 1 + static_cast<int>(pick(8));
  for (int i = 0; i < edits; ++i) {
    size_t pos = pick(s.size() + 1);
    switch (pick(7)) {
      case 0:  // flip a bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1:  // set a byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
        break;
      case 2:  // insert a byte
        s.insert(pos, 1, static_cast<char>(rng()));
        break;
      case 3:  // erase a run
        if (!s.empty()) s.erase(pick(s.size()), 1 + pick(16));
        break;
      case 4: {  // duplicate a chunk
        if (s.empty()) break;
        size_t from = pick(s.size());
        s.insert(pos, s.substr(from, 1 + pick(32)));
        break;
      }
      case 5: {  // splice in a chunk of another seed
        const std::string& o = seeds[pick(seeds.size())];
        if (o.empty()) break;
        size_t from = pick(o.size());
        s.insert(pos, o.substr(from, 1 + pick(64)));
        break;
      }
      default:  // a dictionary token
        s.insert(pos, kDictionary[pick(std::size(kDictionary))]);
        break;
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  g_name = std::strrchr(argv[0], '/') ? std::strrchr(argv[0], '/') + 1 : argv[0];
  long runs = 10000;
  unsigned long long seed = 1;
  size_t max_len = 16384;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--max-len" && i + 1 < argc) {
      max_len = std::strtoull(argv[++i], nullptr, 10);
    } else {
      AddSeeds(a, &seeds);
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  __sanitizer_set_death_callback(SaveCurrent);
  std::signal(SIGABRT, [](int) {
    SaveCurrent();
    std::_Exit(1);
  });
  std::signal(SIGSEGV, [](int) {
    SaveCurrent();
    std::_Exit(1);
  });
  for (const auto& s : seeds) RunOne(s);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs; ++i) RunOne(Mutate(seeds, rng, max_len));
  std::fprintf(stderr, "%s: %zu seeds and %ld mutated inputs, no failure\n", g_name, seeds.size(),
               runs);
  return 0;
}
