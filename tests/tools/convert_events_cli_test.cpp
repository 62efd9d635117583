// `mm convert ... .events` through the real executable: output picked by extension or --format, the summary
// line, symbol filters, the book it holds equals the book `mm replay` builds, and bad inputs (clear error on
// stderr, nonzero exit, no output that could pass for data).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/book_sync.h"
#include "core/capture.h"
#include "sim/event_convert.h"
#include "sim/event_data.h"
#include "sim/event_file.h"

namespace mm {
namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";

struct CliRun {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

class ConvertEventsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_conv_ev_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  CliRun run(const std::string& args) const {
    const std::string err_file = path("stderr.txt");
    const std::string cmd = kMm + " " + args + " 2>" + err_file;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return {-1, "", ""};
    std::string out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, slurp(err_file)};
  }
  static std::string slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
};

TEST_F(ConvertEventsCli, ExtensionPicksEventsAndMatchesTheLibrary) {
  const CliRun r = run("convert " + kCryptofeed + " " + path("cf.events"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "converted 21251 records (book 20809 trade 347 funding 6 mark 89) from 3255 frames of " +
                kCryptofeed + " to " + path("cf.events") +
                "; 0 parse errors, 0 unreadable records, skipped: unknown_instrument 0, unsupported_topic 0, "
                "96 other frames; 0 records filtered\n");
  ASSERT_TRUE(convert_to_events(kCryptofeed, path("lib.events")).ok());
  EXPECT_EQ(slurp(path("cf.events")), slurp(path("lib.events")));
}

TEST_F(ConvertEventsCli, ASymbolTheInputDoesNotHoldIsBadInput) {
  const CliRun r = run("convert " + kCryptofeed + " " + path("nope.events") + " --symbol NOPE");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("mm convert: --symbol NOPE: no such instrument in"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("nope.events")));
}

TEST_F(ConvertEventsCli, FormatFlagOverridesTheExtension) {
  CliRun r = run("convert --format events " + kXrp + " " + path("xrp.bin"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EventFileReader rd;
  ASSERT_EQ(rd.open(path("xrp.bin")), EventFileError::kOk) << rd.error();
  EXPECT_EQ(rd.events().size(), 3966u);
  EXPECT_FALSE(rd.has_local_time());

  // --format mmcap writes a capture even to a .events name; the default for other names is the capture too.
  r = run("convert --format mmcap " + kXrp + " " + path("cap.events"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(path("cap.events")).substr(0, 5), "MMCAP");
  r = run("convert " + kXrp + " " + path("x.mmcap"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(path("x.mmcap")).substr(0, 5), "MMCAP");
  EXPECT_NE(r.out.find("converted 50 frames"), std::string::npos) << r.out;
}

// Issue 14: one spelling for time windows. convert's window is --from/--to as in `mm backtest` (ISO time or
// ms/ns since the epoch); its earlier spellings (--from-ns/--to-ns, and --to for the output format) are
// refused with the new one named, and nothing is written.
TEST_F(ConvertEventsCli, WindowIsFromToAsInBacktest) {
  // The recording spans 21:26:56-21:27:42 UTC; keep 20 s of it.
  const int64_t from_ns = 1786310830'000'000'000, to_ns = 1786310850'000'000'000;
  CliRun r = run("convert " + kCryptofeed + " " + path("iso.events") +
                 " --from 2026-08-09T21:27:10Z --to 2026-08-09T21:27:30Z");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("; 0 records filtered"), std::string::npos) << r.out;
  EventFileReader rd;
  ASSERT_EQ(rd.open(path("iso.events")), EventFileError::kOk) << rd.error();
  ASSERT_GT(rd.events().size(), 1000u);
  for (const Event& e : rd.events()) {
    ASSERT_GE(e.local_ts_ns, from_ns);
    ASSERT_LT(e.local_ts_ns, to_ns);
  }
  // Milliseconds and nanoseconds since the epoch name the same window.
  ASSERT_EQ(
      run("convert " + kCryptofeed + " " + path("ms.events") + " --from 1786310830000 --to 1786310850000")
          .code,
      0);
  ASSERT_EQ(run("convert " + kCryptofeed + " " + path("ns.events") + " --from " + std::to_string(from_ns) +
                " --to " + std::to_string(to_ns))
                .code,
            0);
  EXPECT_EQ(slurp(path("ms.events")), slurp(path("iso.events")));
  EXPECT_EQ(slurp(path("ns.events")), slurp(path("iso.events")));

  const std::pair<std::string, std::string> refused[] = {
      {" --from-ns " + std::to_string(from_ns), "--from-ns/--to-ns are now --from/--to"},
      {" --to-ns " + std::to_string(to_ns), "--from-ns/--to-ns are now --from/--to"},
      {" --to events", "the output format is --format events"},
      {" --from 2026-08-09T21:27:30Z --to 2026-08-09T21:27:10Z", "--from must be before --to"},
      {" --from 2026-08-32", "bad time \"2026-08-32\""},
  };
  for (const auto& [flags, message] : refused) {
    r = run("convert " + kCryptofeed + " " + path("bad.events") + flags);
    EXPECT_EQ(r.code, 2) << flags << "\n" << r.err;
    EXPECT_NE(r.err.find("mm convert: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << flags << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(path("bad.events"))) << flags;
  }
  // A window applies to events output only.
  r = run("convert " + kCryptofeed + " " + path("w.mmcap") + " --from 2026-08-09T21:27:10Z");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("apply to events output only"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("w.mmcap")));
}

TEST_F(ConvertEventsCli, RepeatedSymbolFilterAndInstruments) {
  const CliRun r = run("convert " + kCryptofeed + " " + path("f.events") + " --symbol BTCUSDT --symbol ETHUSDT");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EventFileReader rd;
  ASSERT_EQ(rd.open(path("f.events")), EventFileError::kOk) << rd.error();
  ASSERT_EQ(rd.instruments().size(), 4u);
  for (const Instrument& in : rd.instruments()) EXPECT_TRUE(in.name() == "BTCUSDT" || in.name() == "ETHUSDT");
  EXPECT_GT(rd.events().size(), 10000u);
  EXPECT_NE(r.out.find(" records filtered"), std::string::npos);

  const CliRun x = run("convert " + kXrp + " " + path("xrp.events") + " --symbol XRPUSDT --instruments " + kCryptofeed);
  ASSERT_EQ(x.code, 0) << x.out << x.err;
  EventFileReader xr;
  ASSERT_EQ(xr.open(path("xrp.events")), EventFileError::kOk) << xr.error();
  for (const Instrument& in : xr.instruments()) EXPECT_FALSE(in.inferred) << in.name();
}

// The final linear BTCUSDT book rebuilt from the CLI's .events output equals what `mm replay` prints.
TEST_F(ConvertEventsCli, BookFromEventsEqualsMmReplay) {
  ASSERT_EQ(run("convert " + kCryptofeed + " " + path("cf.events")).code, 0);
  const CliRun rep = run("replay --json --symbol BTCUSDT --category linear --top 1000 " + kCryptofeed);
  ASSERT_EQ(rep.code, 0) << rep.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(rep.out).value();
  simdjson::dom::element jb = doc["books"]["linear:BTCUSDT"];

  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({path("cf.events")}, {}, d, err), EventDataError::kOk) << err;
  const InstrumentId btc = d.find(Category::kLinear, "BTCUSDT");
  ASSERT_NE(btc, kNoInstrument);
  const Instrument& in = d.instruments().get(btc);
  BookSync sync;
  BookRunDecoder dec;
  const auto ev = d.events();
  for (size_t i = 0; i < ev.size();) {
    if (ev[i].kind != EventKind::kBookLevel || ev[i].instrument != btc) {
      ++i;
      continue;
    }
    BookUpdate u;
    const int64_t t = ev[i].local_ts_ns;
    i = dec.decode(ev, i, u);
    ASSERT_EQ(sync.on_update(u, t), SyncResult::kApplied);
  }
  EXPECT_EQ(static_cast<int64_t>(jb["u"].get_int64().value()), sync.last_update_id());
  for (const char* side : {"bids", "asks"}) {
    std::vector<std::pair<std::string, std::string>> mine, theirs;
    sync.book().for_each(side[0] == 'b' ? Side::kBuy : Side::kSell, [&](const PriceLevel& l) {
      char p[32], q[32];
      mine.emplace_back(std::string(p, format_price(in, l.price, p)), std::string(q, format_qty(in, l.qty, q)));
    });
    simdjson::dom::array levels;
    ASSERT_EQ(jb[side].get(levels), simdjson::SUCCESS);
    for (simdjson::dom::element lvl : levels) {
      theirs.emplace_back(std::string(lvl.at(0).get_string().value()), std::string(lvl.at(1).get_string().value()));
    }
    EXPECT_EQ(mine.size(), 200u) << side;
    EXPECT_EQ(mine, theirs) << side;
  }
}

TEST_F(ConvertEventsCli, BadInputIsAClearErrorWithoutOutput) {
  {
    std::ofstream f(path("notes.txt"));
    f << "this is not a recording\n";
  }
  const CliRun r = run("convert " + path("notes.txt") + " " + path("out.events"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("mm convert: unsupported: " + path("notes.txt") + ": unrecognised recording format"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(no output written)"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("(no output)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(path("out.events")));

  // A failed conversion keeps an earlier complete output as it was (issue 15: it used to delete it before
  // even checking the input); the new output would only ever have replaced it whole.
  ASSERT_EQ(run("convert " + kXrp + " " + path("out.events")).code, 0);
  const std::string before = slurp(path("out.events"));
  const CliRun again = run("convert " + path("notes.txt") + " " + path("out.events"));
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(slurp(path("out.events")), before);
  EventFileReader rd;
  EXPECT_EQ(rd.open(path("out.events")), EventFileError::kOk) << rd.error();

  // Missing input: CLI11 refuses it before anything runs.
  const CliRun missing = run("convert " + path("nope.jsonl") + " " + path("m.events"));
  EXPECT_NE(missing.code, 0);
  EXPECT_FALSE(std::filesystem::exists(path("m.events")));

  // Events-only flags with a capture output.
  const CliRun flags = run("convert " + kXrp + " " + path("x.mmcap") + " --symbol XRPUSDT");
  EXPECT_EQ(flags.code, 2);
  EXPECT_NE(flags.err.find("apply to events output only"), std::string::npos) << flags.err;
  EXPECT_FALSE(std::filesystem::exists(path("x.mmcap")));

  // Unknown --to value.
  EXPECT_NE(run("convert --to parquet " + kXrp + " " + path("y.events")).code, 0);
}

TEST_F(ConvertEventsCli, CorruptFramesExitTwoButKeepTheGoodRecords) {
  // A capture with one frame that is not JSON among valid ones.
  const std::string cap = path("bad.mmcap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(cap, 0), CaptureError::kOk);
    ASSERT_EQ(w.write_connection(0, 1, "wss://stream.bybit.com/v5/public/linear", true, Category::kLinear),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 2,
                            R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1000,"data":{"s":"BTCUSDT",)"
                            R"("b":[["100","2"]],"a":[["101","3"]],"u":1,"seq":5},"cts":999})"),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 3, "{garbage"), CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  const CliRun r = run("convert " + cap + " " + path("bad.events"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("converted 2 records (book 2 trade 0 funding 0 mark 0)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 parse errors"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("frame 3: codec error json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("output written; the records of these frames are missing"), std::string::npos) << r.err;
  EventFileReader rd;
  ASSERT_EQ(rd.open(path("bad.events")), EventFileError::kOk) << rd.error();
  EXPECT_EQ(rd.events().size(), 2u);
}

}  // namespace
}  // namespace mm
