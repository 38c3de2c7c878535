#include "engine/container_names.h"

#include <sys/random.h>

#include <array>
#include <cctype>

namespace berth::engine {
namespace {

// Words that read well in front of a person's name.
constexpr std::array kAdjectives = {
    "able",     "agile",    "alert",      "amazing",  "amused",   "ardent",   "astute",   "awake",
    "balanced", "blissful", "bold",       "brave",    "bright",   "brisk",    "busy",     "calm",
    "candid",   "careful",  "charming",   "cheerful", "clever",   "cool",     "cosmic",   "crisp",
    "curious",  "daring",   "dazzling",   "decisive", "diligent", "dreamy",   "eager",    "earnest",
    "elated",   "elegant",  "eloquent",   "epic",     "exact",    "fair",     "fearless", "fervent",
    "festive",  "fond",     "frank",      "friendly", "funny",    "gallant",  "gentle",   "gifted",
    "glad",     "golden",   "graceful",   "happy",    "hardy",    "hearty",   "helpful",  "honest",
    "hopeful",  "humble",   "inspired",   "jolly",    "jovial",   "keen",     "kind",     "lively",
    "loyal",    "lucid",    "lucky",      "magical",  "merry",    "mellow",   "mighty",   "modest",
    "nifty",    "nimble",   "noble",      "patient",  "peaceful", "plucky",   "polite",   "proud",
    "quick",    "quiet",    "radiant",    "rapid",    "relaxed",  "resolute", "serene",   "sharp",
    "shiny",    "sincere",  "smart",      "snappy",   "spirited", "steady",   "stoic",    "sunny",
    "swift",    "tender",   "thoughtful", "tidy",     "trusty",   "upbeat",   "valiant",  "vibrant",
    "vigilant", "vivid",    "warm",       "wise",     "witty",    "zealous",  "zesty",
};

// Surnames of scientists, mathematicians and engineers.
constexpr std::array kSurnames = {
    "abel",         "agnesi",      "alhazen",      "ampere",    "archimedes", "aristarchus",
    "avogadro",     "babbage",     "backus",       "banach",    "bardeen",    "bernoulli",
    "bessel",       "blackwell",   "bohr",         "boltzmann", "boole",      "borg",
    "bose",         "boyle",       "brahe",        "brattain",  "burnell",    "cantor",
    "cardano",      "carnot",      "carson",       "cauchy",    "cavendish",  "cerf",
    "chandra",      "chebyshev",   "clarke",       "codd",      "conway",     "copernicus",
    "corbato",      "coulomb",     "cray",         "curie",     "dalton",     "darwin",
    "dedekind",     "descartes",   "dijkstra",     "dirac",     "doppler",    "easley",
    "edison",       "ehrenfest",   "einstein",     "elion",     "engelbart",  "erdos",
    "euclid",       "euler",       "faraday",      "fermat",    "fermi",      "feynman",
    "fibonacci",    "fleming",     "fourier",      "franklin",  "fresnel",    "galileo",
    "galois",       "gauss",       "germain",      "gibbs",     "godel",      "goldberg",
    "goodall",      "gosling",     "hamilton",     "hamming",   "hawking",    "heisenberg",
    "helmholtz",    "hertz",       "hilbert",      "hodgkin",   "hoare",      "hooke",
    "hopper",       "hubble",      "huygens",      "hypatia",   "jackson",    "jacobi",
    "johnson",      "joule",       "kahan",        "kapitsa",   "kay",        "kelvin",
    "kepler",       "kernighan",   "khorana",      "kilby",     "knuth",      "kolmogorov",
    "kovalevskaya", "lagrange",    "lamarr",       "lamport",   "landau",     "laplace",
    "lavoisier",    "leakey",      "leavitt",      "lebesgue",  "leibniz",    "lemaitre",
    "liskov",       "lorentz",     "lovelace",     "lyapunov",  "markov",     "maxwell",
    "mccarthy",     "mcclintock",  "meitner",      "mendel",    "mendeleev",  "minsky",
    "mirzakhani",   "moore",       "morse",        "napier",    "nash",       "neumann",
    "newton",       "noether",     "nobel",        "noyce",     "ohm",        "oppenheimer",
    "pascal",       "pasteur",     "pauli",        "pauling",   "payne",      "perlman",
    "planck",       "poincare",    "poisson",      "ptolemy",   "pythagoras", "ramanujan",
    "raman",        "rayleigh",    "riemann",      "ritchie",   "rivest",     "roentgen",
    "rubin",        "russell",     "rutherford",   "sagan",     "salk",       "sanger",
    "schrodinger",  "shannon",     "shamir",       "snyder",    "sommerfeld", "stallman",
    "stroustrup",   "sutherland",  "swanson",      "tesla",     "thompson",   "thomson",
    "torvalds",     "turing",      "varahamihira", "venn",      "volta",      "wallace",
    "watt",         "weierstrass", "wiener",       "wilkes",    "wing",       "wirth",
    "wozniak",      "wright",      "wu",           "yalow",     "yonath",     "zuse",
    "bell",         "benz",        "brunel",       "diesel",    "hollerith",  "kleinrock",
    "metcalfe",     "postel",      "stonebraker",  "thacker",   "kahn",       "yau",
};

// A uniform index below n from the kernel's RNG (never blocks once the
// pool is initialized, which it is by the time a daemon runs).
size_t RandomBelow(size_t n) {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
    v = static_cast<uint64_t>(::time(nullptr));
  return static_cast<size_t>(v % n);
}

}  // namespace

Result<std::string> ValidateContainerName(std::string_view name) {
  std::string_view n = name;
  if (!n.empty() && n[0] == '/') n.remove_prefix(1);
  auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  auto ok_rest = [&](char c) { return ok_first(c) || c == '_' || c == '.' || c == '-'; };
  bool ok = n.size() >= 2 && ok_first(n[0]);
  for (size_t i = 1; ok && i < n.size(); ++i) ok = ok_rest(n[i]);
  if (!ok)
    return FailAs(EINVAL, "Invalid container name ({}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                  name);
  return std::string(n);
}

std::string RandomContainerName(int retry) {
  std::string name = std::string(kAdjectives[RandomBelow(kAdjectives.size())]) + "_" +
                     kSurnames[RandomBelow(kSurnames.size())];
  if (retry > 0) name += std::to_string(RandomBelow(10));
  return name;
}

Result<std::string> GenerateContainerName(
    const std::function<Result<bool>(const std::string&)>& taken) {
  // With ~23,000 plain names collisions are rare; after a few, a digit
  // makes ten times as many available, as docker's generator does.
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string name = RandomContainerName(attempt < 3 ? 0 : 1);
    if (!TRY(taken(name))) return name;
  }
  return FailAs(EEXIST, "could not generate a free container name");
}

size_t NameAdjectiveCount() { return kAdjectives.size(); }
size_t NameSurnameCount() { return kSurnames.size(); }

Result<std::string> NewRandomId() {
  unsigned char raw[32];
  if (::getrandom(raw, sizeof raw, 0) != sizeof raw) return FailErrno("getrandom");
  std::string id;
  for (unsigned char c : raw) id += fmt::format("{:02x}", c);
  return id;
}

}  // namespace berth::engine
