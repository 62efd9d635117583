#pragma once
// The public market-data stream (wss://stream.bybit.com/v5/public/{category}): batched subscribe on every
// (re)connect, ping every 20 s, reconnect with backoff and full jitter, each frame parsed by the BybitCodec
// and handed to the sink (which feeds the book builder, core/book_sync.h), and a silence measure for the
// stale-book breaker.
//
// Book resync: BookSync (core/book_sync.h) marks a book untrusted on a gap or step backwards and asks for a
// resubscribe; the sink calls resubscribe(topic), which unsubscribes and subscribes that topic again so Bybit
// sends a fresh snapshot. A reconnect restarts `u` for every topic: the sink's on_connected() resets its
// BookSyncs. A `u == 1` snapshot (service restart) is BookSync's business, as in replay.
//
// Hot path: do_work() never blocks and allocates nothing once connected.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/bybit_codec.h"
#include "net/ws_session.h"

namespace mm {

class PublicWsSink {
 public:
  virtual ~PublicWsSink() = default;
  // Every frame as received, before it is parsed (the recorder keeps the bytes verbatim). `text` is valid
  // during the call only.
  virtual void on_frame(std::string_view, int64_t) noexcept {}
  // A data frame parsed without error (book, trade, ticker, kline, liquidation). Payload accessors of `codec`
  // are valid during the call.
  virtual void on_public(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept = 0;
  // A frame the codec refused (counted; the stream goes on).
  virtual void on_public_error(CodecError, int64_t) noexcept {}
  // A new connection is open and its subscriptions are sent: every book restarts from its next snapshot.
  virtual void on_connected() noexcept {}
  // The connection ended; a reconnect is scheduled.
  virtual void on_disconnected(WsError) noexcept {}
};

struct PublicWsConfig {
  WsSessionConfig session;  // ws: e.g. wss://stream.bybit.com/v5/public/linear
  Category category = Category::kLinear;
  std::vector<std::string> topics;  // e.g. "orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"
  // Topics per subscribe request: Bybit spot takes at most 10 args per request; the other categories take
  // more, 10 keeps one rule for all.
  size_t topics_per_request = 10;
};

struct PublicWsCounters {
  uint64_t frames = 0;
  uint64_t data_frames = 0;
  uint64_t parse_errors = 0;
  uint64_t subscribe_requests = 0;
  uint64_t subscribe_acks = 0;
  uint64_t subscribe_failures = 0;  // acks with success false
  uint64_t pongs = 0;
  uint64_t resubscribes = 0;
};

class PublicWs {
 public:
  // Preconditions: topics non-empty, each valid for encode_ws_subscribe; `codec` outlives this object.
  PublicWs(PublicWsConfig cfg, BybitCodec& codec);

  void start(int64_t now_ns) noexcept { session_.start(now_ns); }
  void stop() noexcept { session_.stop(); }

  // Socket work, timers, and every complete frame to the sink. Returns the work done (0: idle).
  int do_work(int64_t now_ns, PublicWsSink& sink) noexcept;
  // The session part of do_work alone, for an owner that reads the frames itself and parses them elsewhere
  // (the live node's pipeline layout: its network thread hands frames unparsed to the decision thread): on a
  // new connection the subscriptions are sent and sink.on_connected() is called, on an end
  // sink.on_disconnected(). The frames stay in session().ws() (front / pop / poll); subscribe acks are then
  // the owner's to recognise (session().mark_healthy()). Returns the work done.
  int step_session(int64_t now_ns, PublicWsSink& sink) noexcept;

  // Unsubscribes and subscribes `topic` again (a fresh snapshot follows). False when not open or not one of
  // the configured topics.
  bool resubscribe(std::string_view topic) noexcept;

  bool open() const noexcept { return session_.open(); }
  // See WsSession::silence_ns; the stale-book breaker trips on it.
  int64_t silence_ns(int64_t now_ns) const noexcept { return session_.silence_ns(now_ns); }
  const PublicWsCounters& counters() const noexcept { return counters_; }
  const WsSession& session() const noexcept { return session_; }
  WsSession& session() noexcept { return session_; }

 private:
  void subscribe_all() noexcept;
  bool send_op(bool subscribe, const std::string_view* topics, size_t n) noexcept;

  PublicWsConfig cfg_;
  BybitCodec& codec_;
  WsSession session_;
  std::vector<std::string_view> topic_views_;
  std::vector<char> out_;  // subscribe requests are written here (sized at construction)
  PublicWsCounters counters_;
};

}  // namespace mm
