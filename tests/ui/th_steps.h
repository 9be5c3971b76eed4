#ifndef BLIK_TEST_STEPS_H
#define BLIK_TEST_STEPS_H
/* Steps shared by the scripted tests: tap what a person would tap, and
 * fail with the text that was not there. Include after cmocka.h. */
#include "demo.h"
#include "db_sync.h"
#include "harness.h"

#define TAP(t, s)                                                                                  \
    do {                                                                                           \
        if (th_tap_text(t, s) != 0)                                                                \
            fail_msg("not on screen: %s (line %d)", s, __LINE__);                                  \
    } while (0)
#define TAP_PREFIX(t, s)                                                                           \
    do {                                                                                           \
        if (th_tap_prefix(t, s) != 0)                                                              \
            fail_msg("not on screen: %s... (line %d)", s, __LINE__);                               \
    } while (0)
#define REVEAL(t, s, x, y)                                                                         \
    do {                                                                                           \
        if (th_reveal(t, s, x, y) != 0)                                                            \
            fail_msg("never scrolled into view: %s (line %d)", s, __LINE__);                       \
    } while (0)
#define SEES(t, s)                                                                                 \
    do {                                                                                           \
        if (!th_has_text_part(t, s))                                                               \
            fail_msg("not on screen: %s (line %d)", s, __LINE__);                                  \
    } while (0)
/* Every touch target on screen is at least 48 dp. */
#define TARGETS_OK(t)                                                                              \
    do {                                                                                           \
        int m_ = th_min_target_dp(t);                                                              \
        if (m_ < UI_TARGET_DP)                                                                     \
            fail_msg("a touch target of %d dp (line %d)", m_, __LINE__);                           \
        if (m_ > 200)                                                                              \
            fail_msg("no touch targets seen (line %d)", __LINE__);                                 \
    } while (0)

#define DEMO_ID(n) "0b11c000-0000-4000-8000-0000000000" n

/* The start of one observation in the demo unit (tsupport_obs.start): its
 * focus 41, person 21 observing person 24 in room 11 at "Samling". Needs
 * demo.h for DEMO_UNIT_ID. */
#define DEMO_OBS_START                                                                             \
    {                                                                                              \
        .unit_id = DEMO_UNIT_ID, .focus_id = DEMO_ID("41"), .observer_id = DEMO_ID("21"),          \
        .observee_id = DEMO_ID("24"), .room_id = DEMO_ID("11"), .activity = "Samling"              \
    }

#endif
