// classify_answer (runtime/live_orders.h): the live node reads every order answer as the order state machine
// does (core/order_state.h ack_event), and that reading follows net/ret_codes.h's classes.
#include "runtime/live_orders.h"

#include <gtest/gtest.h>

#include "net/ret_codes.h"

namespace mm {
namespace {

TEST(LiveOrderAnswers, EveryRetCodeOfTheTableIsReadByItsClass) {
  for (const RetCodeInfo& info : ret_code_table()) {
    for (const RequestKind kind : {RequestKind::kCreate, RequestKind::kAmend, RequestKind::kCancel}) {
      const AnswerVerdict v = classify_answer(kind, info.code);
      const std::string what = std::to_string(info.code) + " on " + std::string(to_string(kind));
      switch (info.cls) {
        case RetClass::kOk:
          EXPECT_EQ(v.action, AnswerAction::kAcked) << what;
          break;
        case RetClass::kAmbiguous:
          // The venue may have acted: never "refused" (a create's level would be made again under a new
          // link id while the first order may exist).
          EXPECT_EQ(v.action, AnswerAction::kUnknown) << what;
          EXPECT_EQ(v.event, OrderEventKind::kTimeout) << what;
          break;
        case RetClass::kRetryable:
        case RetClass::kFinal:
          // Refused before acting; an amend or cancel of an order the venue no longer holds is asked about.
          EXPECT_EQ(v.action, kind != RequestKind::kCreate && order_gone(info.code) ? AnswerAction::kUnknown
                                                                                    : AnswerAction::kRejected)
              << what;
          break;
      }
    }
  }
}

TEST(LiveOrderAnswers, ACreateAnsweredAServiceErrorIsUnknownNotRejected) {
  for (const int32_t code : {10000, 10014, 10016}) {
    const AnswerVerdict v = classify_answer(RequestKind::kCreate, code);
    EXPECT_EQ(v.action, AnswerAction::kUnknown) << code;
    EXPECT_EQ(v.event, OrderEventKind::kTimeout) << code;
  }
  const AnswerVerdict restarting = classify_answer(RequestKind::kCreate, 10019);
  EXPECT_EQ(restarting.action, AnswerAction::kRejected);
  EXPECT_EQ(restarting.event, OrderEventKind::kCreateRejected);
  EXPECT_TRUE(restarting.venue_unavailable) << "not counted by the reject-rate breaker";
  const AnswerVerdict limited = classify_answer(RequestKind::kCreate, 10006);
  EXPECT_EQ(limited.action, AnswerAction::kRejected);
  EXPECT_FALSE(limited.venue_unavailable);
  const AnswerVerdict failed = classify_answer(RequestKind::kCreate, -1);  // REST: nothing reached the venue
  EXPECT_EQ(failed.action, AnswerAction::kRejected);
  const AnswerVerdict accepted = classify_answer(RequestKind::kAmend, 0);
  EXPECT_EQ(accepted.action, AnswerAction::kAcked);
  EXPECT_EQ(accepted.event, OrderEventKind::kAmendAcked);
  EXPECT_EQ(classify_answer(RequestKind::kCancel, 110001).action, AnswerAction::kUnknown);
  EXPECT_EQ(classify_answer(RequestKind::kCreate, 110001).action, AnswerAction::kRejected);
  EXPECT_EQ(classify_answer(RequestKind::kQuery, 0).action, AnswerAction::kRejected)
      << "not an order request";
}

}  // namespace
}  // namespace mm
