#include "net/retry_policy.h"

#include <algorithm>

namespace mm {

std::string_view to_string(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::kCreate:
      return "create";
    case RequestKind::kAmend:
      return "amend";
    case RequestKind::kCancel:
      return "cancel";
    case RequestKind::kCancelAll:
      return "cancel_all";
    case RequestKind::kQuery:
      return "query";
    case RequestKind::kSetting:
      return "setting";
  }
  return "?";
}

RateClass rate_class(RequestKind k) noexcept {
  switch (k) {
    case RequestKind::kCreate:
      return RateClass::kCreate;
    case RequestKind::kAmend:
      return RateClass::kAmend;
    case RequestKind::kCancel:
      return RateClass::kCancel;
    case RequestKind::kCancelAll:
      return RateClass::kCancelAll;
    case RequestKind::kQuery:
      return RateClass::kQuery;
    case RequestKind::kSetting:
      return RateClass::kOther;
  }
  return RateClass::kOther;
}

std::string_view to_string(RetryAction a) noexcept {
  switch (a) {
    case RetryAction::kDone:
      return "done";
    case RetryAction::kAlreadyDone:
      return "already_done";
    case RetryAction::kRetry:
      return "retry";
    case RetryAction::kResyncClock:
      return "resync_clock";
    case RetryAction::kReconnect:
      return "reconnect";
    case RetryAction::kGiveUp:
      return "give_up";
    case RetryAction::kUnknown:
      return "unknown";
  }
  return "?";
}

int64_t full_jitter_ms(int attempt, int64_t base_ms, int64_t cap_ms, JitterRng& rng) noexcept {
  int64_t ceiling = base_ms;
  for (int i = 0; i < attempt && ceiling < cap_ms; ++i) ceiling *= 2;
  return rng.uniform(std::min(ceiling, cap_ms));
}

namespace {

// The answer says the earlier sending of this same request already took effect.
bool earlier_attempt_took_effect(RequestKind kind, int32_t code) noexcept {
  if (kind == RequestKind::kCreate) return code == 110072 || code == 170141;
  if (kind == RequestKind::kCancel)
    return code == 110001 || code == 110008 || code == 110010 || code == 170213;
  return false;
}

}  // namespace

RetryDecision decide_retry(const RetryConfig& cfg, const AttemptResult& r, JitterRng& rng) noexcept {
  RetryDecision d;
  if (!r.answered) {
    // No answer: surely not acted on when nothing was sent; otherwise ambiguous.
    d.code = {0, r.sent ? RetClass::kAmbiguous : RetClass::kRetryable, RetHint::kBackoff,
              r.sent ? "no_answer" : "not_sent"};
  } else if (const RetCodeInfo h = classify_http_status(r.http_status); h.cls != RetClass::kOk) {
    d.code = h;
  } else {
    d.code = classify_ret_code(r.ret_code);
  }
  const bool last = r.attempt + 1 >= cfg.max_attempts;
  switch (d.code.cls) {
    case RetClass::kOk:
      d.action = RetryAction::kDone;
      return d;
    case RetClass::kFinal:
      d.action = r.attempt > 0 && earlier_attempt_took_effect(r.kind, r.ret_code) ? RetryAction::kAlreadyDone
                                                                                  : RetryAction::kGiveUp;
      return d;
    case RetClass::kAmbiguous:
      if (!repeat_is_safe(r.kind) || last) {
        d.action = RetryAction::kUnknown;
        return d;
      }
      d.action = RetryAction::kRetry;
      d.delay_ms = full_jitter_ms(r.attempt, cfg.base_ms, cfg.cap_ms, rng);
      return d;
    case RetClass::kRetryable:
      break;
  }
  if (last) {
    // Nothing was done by this attempt, but an earlier one may have been ambiguous: only a create/cancel's
    // caller knows; report plainly that the request is not in place.
    d.action = RetryAction::kGiveUp;
    return d;
  }
  switch (d.code.hint) {
    case RetHint::kResyncClock:
      d.action = RetryAction::kResyncClock;
      return d;
    case RetHint::kReconnect:
      d.action = RetryAction::kReconnect;
      d.delay_ms = full_jitter_ms(r.attempt, cfg.base_ms, cfg.cap_ms, rng);
      return d;
    case RetHint::kRateReset:
      d.action = RetryAction::kRetry;
      if (r.limit_reset_ms > r.now_ms) {
        // Bybit says when the window reopens: wait for it (and a little), never earlier.
        d.delay_ms = r.limit_reset_ms - r.now_ms + cfg.rate_reset_slack_ms + rng.uniform(cfg.base_ms);
      } else {
        // No usable reset time: the window is one second; back off from a second, jittered.
        d.delay_ms = 1000 + full_jitter_ms(r.attempt, cfg.base_ms, cfg.cap_ms, rng);
      }
      return d;
    case RetHint::kIpBan:
      d.action = RetryAction::kRetry;
      d.delay_ms = cfg.ip_ban_ms;
      return d;
    case RetHint::kNone:
    case RetHint::kBackoff:
      break;
  }
  d.action = RetryAction::kRetry;
  d.delay_ms = full_jitter_ms(r.attempt, cfg.base_ms, cfg.cap_ms, rng);
  return d;
}

}  // namespace mm
