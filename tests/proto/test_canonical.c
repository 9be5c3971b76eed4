/*
 * The canonical text of every kind of record, pinned. The server hashes the
 * canonical form of each change to tell a retry from a reused change id
 * (PROTOCOL.md, "Nothing doubled"), so a change to the codec that moved this
 * text by one byte would make every tablet's unsent change look like a
 * different one after an update. Each expected text below was made by the
 * codec as it stood before the record codec moved into the model; a failure
 * here means the hash moved, not that the test needs new strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

#define ID(n) "0000000" #n "-0000-4000-8000-00000000000" #n

/* One record of every kind, with fixed ids and times and texts that need
 * escaping (quotes, newline, tab, non-ASCII). */
static int every_record(model_record *recs)
{
    int n = 0;
    model_record *r = &recs[n++];
    r->entity = MODEL_ENT_UNIT;
    strcpy(r->u.unit.id, ID(1));
    strcpy(r->u.unit.name, "Børnehuset \"Solsikken\"");
    r->u.unit.retention_days = 180;
    r = &recs[n++];
    r->entity = MODEL_ENT_ROOM;
    strcpy(r->u.room.id, ID(2));
    strcpy(r->u.room.unit_id, ID(1));
    strcpy(r->u.room.name, "Blå stue");
    r = &recs[n++];
    r->entity = MODEL_ENT_PERSON;
    strcpy(r->u.person.id, ID(3));
    strcpy(r->u.person.unit_id, ID(1));
    strcpy(r->u.person.name, "Åse");
    r->u.person.role = MODEL_ROLE_LEADER;
    strcpy(r->u.person.pin_verifier, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    r->u.person.active = 1;
    r = &recs[n++];
    r->entity = MODEL_ENT_FOCUS;
    strcpy(r->u.focus.id, ID(4));
    strcpy(r->u.focus.unit_id, ID(1));
    r->u.focus.version = 2;
    strcpy(r->u.focus.question, "Hvordan stiller vi åbne spørgsmål?");
    strcpy(r->u.focus.why, "Because.\nTwo lines.");
    r->u.focus.pillar = MODEL_PILLAR_DIALOGUE;
    strcpy(r->u.focus.period_from, "2026-01-01");
    strcpy(r->u.focus.period_to, "2026-06-30");
    strcpy(r->u.focus.template_id, ID(5));
    r->u.focus.n_signs = 2;
    strcpy(r->u.focus.signs[0].id, ID(6));
    strcpy(r->u.focus.signs[0].text, "Children answer");
    strcpy(r->u.focus.signs[1].id, ID(7));
    strcpy(r->u.focus.signs[1].text, "Adults wait");
    r = &recs[n++];
    r->entity = MODEL_ENT_TEMPLATE;
    model_template *t = &r->u.tmpl;
    strcpy(t->id, ID(5));
    strcpy(t->unit_id, ID(1));
    t->version = 3;
    strcpy(t->name, "Dialog");
    t->n_scale = 3;
    strcpy(t->scale[0], "Not yet");
    strcpy(t->scale[1], "Partly");
    strcpy(t->scale[2], "Yes");
    t->n_counters = 1;
    strcpy(t->counters[0].key, "open_q");
    strcpy(t->counters[0].label, "Open question");
    t->n_states = 1;
    strcpy(t->states[0].key, "waiting");
    strcpy(t->states[0].label, "Waiting");
    t->interval_minutes = 5;
    t->n_interval_options = 1;
    strcpy(t->interval_options[0].key, "calm");
    strcpy(t->interval_options[0].label, "Calm");
    t->n_context = 2;
    strcpy(t->context[0].key, "children");
    strcpy(t->context[0].label, "Children");
    t->context[0].type = MODEL_CTX_INT;
    t->context[0].max = 60;
    strcpy(t->context[1].key, "place");
    strcpy(t->context[1].label, "Place");
    t->context[1].type = MODEL_CTX_TEXT;
    t->n_prompts = 1;
    strcpy(t->prompts[0], "What did you see?");
    t->n_phrases = 1;
    strcpy(t->phrases[0], "Good wait time");
    t->green_pct = 70;
    t->yellow_pct = 40;
    r = &recs[n++];
    r->entity = MODEL_ENT_OBSERVATION;
    model_observation *o = &r->u.obs;
    strcpy(o->id, ID(8));
    strcpy(o->unit_id, ID(1));
    strcpy(o->focus_id, ID(4));
    o->focus_version = 2;
    strcpy(o->template_id, ID(5));
    o->template_version = 3;
    strcpy(o->observer_id, ID(3));
    strcpy(o->observee_id, ID(9));
    strcpy(o->room_id, ID(2));
    strcpy(o->activity, "Samling på tæppet");
    strcpy(o->context_json, "{\"children\":14,\"place\":\"Gulvet\"}");
    o->agreement = 1;
    o->started_at = 1790000000000;
    o->ended_at = 1790000600000;
    o->status = MODEL_OBS_FINISHED;
    o->revision = 2;
    o->updated_at = 1790000600001;
    r = &recs[n++];
    r->entity = MODEL_ENT_EVENT;
    strcpy(r->u.event.id, ID(1));
    strcpy(r->u.event.observation_id, ID(8));
    r->u.event.kind = MODEL_EV_STATE_START;
    strcpy(r->u.event.key, "waiting");
    r->u.event.at = 1790000001000;
    r = &recs[n++];
    r->entity = MODEL_ENT_EVENT;
    strcpy(r->u.event.id, ID(2));
    strcpy(r->u.event.observation_id, ID(8));
    r->u.event.kind = MODEL_EV_UNDO;
    strcpy(r->u.event.target_id, ID(1));
    r->u.event.at = 1790000002000;
    r = &recs[n++];
    r->entity = MODEL_ENT_NOTE;
    strcpy(r->u.note.id, ID(3));
    strcpy(r->u.note.observation_id, ID(8));
    r->u.note.at = 1790000003000;
    strcpy(r->u.note.text, "Line one\nline \"two\"\t\xE2\x9C\x93");
    strcpy(r->u.note.sign_id, ID(6));
    r = &recs[n++];
    r->entity = MODEL_ENT_RATING;
    strcpy(r->u.rating.observation_id, ID(8));
    strcpy(r->u.rating.sign_id, ID(7));
    r->u.rating.level = -1;
    r->u.rating.at = 1790000004000;
    r = &recs[n++];
    r->entity = MODEL_ENT_FEEDBACK;
    strcpy(r->u.feedback.observation_id, ID(8));
    strcpy(r->u.feedback.author_id, ID(3));
    strcpy(r->u.feedback.works, "Works");
    strcpy(r->u.feedback.wonderings, "Why?");
    strcpy(r->u.feedback.next_step, "");
    r->u.feedback.given_at = 1790000005000;
    r->u.feedback.updated_at = 1790000005001;
    r = &recs[n++];
    r->entity = MODEL_ENT_REFLECTION;
    strcpy(r->u.reflection.observation_id, ID(8));
    strcpy(r->u.reflection.author_id, ID(9));
    strcpy(r->u.reflection.text, "I saw it");
    strcpy(r->u.reflection.next_step, "Try again");
    r->u.reflection.updated_at = 1790000006000;
    r = &recs[n++];
    r->entity = MODEL_ENT_DELETED;
    r->u.deleted.entity = MODEL_ENT_PERSON;
    strcpy(r->u.deleted.id, ID(9));
    strcpy(r->u.deleted.unit_id, ID(1));
    r->u.deleted.reason = MODEL_DEL_PERSON;
    r->u.deleted.deleted_at = 1790000007000;
    r = &recs[n++];
    r->entity = MODEL_ENT_PLAN;
    strcpy(r->u.plan.id, ID(6));
    strcpy(r->u.plan.unit_id, ID(1));
    strcpy(r->u.plan.focus_id, ID(4));
    strcpy(r->u.plan.observer_id, ID(3));
    strcpy(r->u.plan.observee_id, ID(9));
    strcpy(r->u.plan.room_id, ID(2));
    strcpy(r->u.plan.day_from, "2026-11-30");
    strcpy(r->u.plan.day_to, "2026-12-06");
    strcpy(r->u.plan.terms, "Kun samlingen");
    r->u.plan.status = MODEL_PLAN_DONE;
    r->u.plan.agreed_at = 1790000008000;
    strcpy(r->u.plan.observation_id, ID(8));
    r->u.plan.updated_at = 1790000009000;
    r = &recs[n++];
    r->entity = MODEL_ENT_PLAN_AGREEMENT;
    strcpy(r->u.agreement.plan_id, ID(6));
    strcpy(r->u.agreement.person_id, ID(9));
    r->u.agreement.agreed_at = 1790000008000;
    return n;
}

static const char *const expected[] =
    {
        "{\"id\":\"00000001-0000-4000-8000-000000000001\",\"name\":\"Børnehuset \\\"Solsikken\\\"\",\"retention_days\":180}",
        "{\"id\":\"00000002-0000-4000-8000-000000000002\",\"name\":\"Blå stue\",\"unit_id\":\"00000001-0000-4000-8000-000000000001\"}",
        "{\"active\":true,\"id\":\"00000003-0000-4000-8000-000000000003\",\"name\":\"Åse\",\"pin_verifier\":\"$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA\",\"role\":\"leader\",\"unit_id\":\"00000001-0000-4000-8000-000000000001\"}",
        "{\"id\":\"00000004-0000-4000-8000-000000000004\",\"period_from\":\"2026-01-01\",\"period_to\":\"2026-06-30\",\"pillar\":\"dialogue\",\"question\":\"Hvordan stiller vi åbne spørgsmål?\",\"signs\":[{\"id\":\"00000006-0000-4000-8000-000000000006\",\"text\":\"Children answer\"},{\"id\":\"00000007-0000-4000-8000-000000000007\",\"text\":\"Adults wait\"}],\"template_id\":\"00000005-0000-4000-8000-000000000005\",\"unit_id\":\"00000001-0000-4000-8000-000000000001\",\"version\":2,\"why\":\"Because.\\nTwo lines.\"}",
        "{\"context\":[{\"key\":\"children\",\"label\":\"Children\",\"max\":60,\"min\":0,\"type\":\"int\"},{\"key\":\"place\",\"label\":\"Place\",\"type\":\"text\"}],\"counters\":[{\"key\":\"open_q\",\"label\":\"Open question\"}],\"id\":\"00000005-0000-4000-8000-000000000005\",\"interval\":{\"minutes\":5,\"options\":[{\"key\":\"calm\",\"label\":\"Calm\"}]},\"name\":\"Dialog\",\"phrases\":[\"Good wait time\"],\"prompts\":[\"What did you see?\"],\"scale\":[\"Not yet\",\"Partly\",\"Yes\"],\"states\":[{\"key\":\"waiting\",\"label\":\"Waiting\"}],\"thresholds\":{\"green_pct\":70,\"yellow_pct\":40},\"unit_id\":\"00000001-0000-4000-8000-000000000001\",\"version\":3}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"activity\":\"Samling på tæppet\",\"agreement\":true,\"context\":{\"children\":14,\"place\":\"Gulvet\"},\"ended_at\":1790000600000,\"focus_id\":\"00000004-0000-4000-8000-000000000004\",\"focus_version\":2,\"id\":\"00000008-0000-4000-8000-000000000008\",\"observee_id\":\"00000009-0000-4000-8000-000000000009\",\"observer_id\":\"00000003-0000-4000-8000-000000000003\",\"revision\":2,\"room_id\":\"00000002-0000-4000-8000-000000000002\",\"started_at\":1790000000000,\"status\":\"finished\",\"template_id\":\"00000005-0000-4000-8000-000000000005\",\"template_version\":3,\"unit_id\":\"00000001-0000-4000-8000-000000000001\",\"updated_at\":1790000600001},\"entity\":\"observation\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"at\":1790000001000,\"id\":\"00000001-0000-4000-8000-000000000001\",\"key\":\"waiting\",\"kind\":\"state_start\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"target_id\":\"\"},\"entity\":\"event\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"at\":1790000002000,\"id\":\"00000002-0000-4000-8000-000000000002\",\"key\":\"\",\"kind\":\"undo\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"target_id\":\"00000001-0000-4000-8000-000000000001\"},\"entity\":\"event\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"at\":1790000003000,\"id\":\"00000003-0000-4000-8000-000000000003\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"sign_id\":\"00000006-0000-4000-8000-000000000006\",\"text\":\"Line one\\nline \\\"two\\\"\\t✓\"},\"entity\":\"note\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"at\":1790000004000,\"level\":-1,\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"sign_id\":\"00000007-0000-4000-8000-000000000007\"},\"entity\":\"rating\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"author_id\":\"00000003-0000-4000-8000-000000000003\",\"given_at\":1790000005000,\"next_step\":\"\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"updated_at\":1790000005001,\"wonderings\":\"Why?\",\"works\":\"Works\"},\"entity\":\"feedback\"}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"author_id\":\"00000009-0000-4000-8000-000000000009\",\"next_step\":\"Try again\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"text\":\"I saw it\",\"updated_at\":1790000006000},\"entity\":\"reflection\"}",
        "{\"deleted_at\":1790000007000,\"entity\":\"person\",\"id\":\"00000009-0000-4000-8000-000000000009\",\"reason\":\"person_request\",\"unit_id\":\"00000001-0000-4000-8000-000000000001\"}",
        "{\"agreed_at\":1790000008000,\"day_from\":\"2026-11-30\",\"day_to\":\"2026-12-06\",\"focus_id\":\"00000004-0000-4000-8000-000000000004\",\"id\":\"00000006-0000-4000-8000-000000000006\",\"observation_id\":\"00000008-0000-4000-8000-000000000008\",\"observee_id\":\"00000009-0000-4000-8000-000000000009\",\"observer_id\":\"00000003-0000-4000-8000-000000000003\",\"room_id\":\"00000002-0000-4000-8000-000000000002\",\"status\":\"done\",\"team\":\"\",\"terms\":\"Kun samlingen\",\"unit_id\":\"00000001-0000-4000-8000-000000000001\",\"updated_at\":1790000009000}",
        "{\"actor_id\":\"00000003-0000-4000-8000-000000000003\",\"base_version\":4,\"change_id\":\"abcdef01-2345-4678-89ab-cdef01234567\",\"data\":{\"agreed_at\":1790000008000,\"person_id\":\"00000009-0000-4000-8000-000000000009\",\"plan_id\":\"00000006-0000-4000-8000-000000000006\"},\"entity\":\"plan_agreement\"}",
};

/* The canonical text of a record: for a change a tablet may push, the whole
 * change (what the server hashes); for the others, the record's JSON with
 * sorted keys (what the server stores and sends). */
static char *canonical(const model_record *r)
{
    if (model_entity_is_pushable(r->entity)) {
        proto_change c;
        memset(&c, 0, sizeof c);
        strcpy(c.change_id, "abcdef01-2345-4678-89ab-cdef01234567");
        strcpy(c.actor_id, ID(3));
        c.base_version = 4;
        assert_int_equal(proto_change_set(&c, r), 0);
        char *s = proto_change_canonical(&c);
        proto_changes_clear(&c, 1);
        return s;
    }
    json_t *j = model_record_to_json(r, NULL);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static void test_canonical_text_of_every_kind_is_pinned(void **state)
{
    (void)state;
    model_record *recs = calloc(16, sizeof *recs), *back = malloc(sizeof *back);
    assert_non_null(recs);
    assert_non_null(back);
    int n = every_record(recs);
    assert_int_equal(n, (int)(sizeof expected / sizeof expected[0]));
    for (int i = 0; i < n; i++) {
        char *s = canonical(&recs[i]);
        assert_non_null(s);
        if (strcmp(s, expected[i]) != 0)
            fail_msg("%s moved:\n  got  %s\n  want %s", model_entity_name(recs[i].entity), s,
                     expected[i]);
        /* The record's JSON reads back into a record with the same text. */
        json_t *j = model_record_to_json(&recs[i], NULL);
        proto_err e;
        if (model_record_from_json(recs[i].entity, j, back, &e) != 0)
            fail_msg("%s: %s", model_entity_name(recs[i].entity), e.msg);
        json_decref(j);
        char *again = canonical(back);
        assert_string_equal(again, s);
        free(again);
        free(s);
    }
    free(back);
    free(recs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_text_of_every_kind_is_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
