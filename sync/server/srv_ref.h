#ifndef BLIK_SRV_REF_H
#define BLIK_SRV_REF_H
/*
 * A unit's reference data, changed and read in one place: units, rooms,
 * people and their PINs, learning focuses and observation templates. Both
 * the command line ("blik-server admin ...") and the office call these, so
 * one rule has one piece of code.
 *
 * Every change:
 * - takes the connection, an actor for the audit log ("admin:<user>" from
 *   the command line, "office:<account id>" from the office), and err,
 *   errlen for a sentence that says what was wrong;
 * - checks its input by the wire codec's rules (the same a record from a
 *   tablet meets), and that what it names exists and belongs together
 *   (a person is moved only into a room of their own unit);
 * - stores the change, publishes the record into the unit's feed (tablets
 *   receive it on their next pull) and writes one audit row, all in one
 *   transaction: on any failure nothing is changed.
 * A change that changes nothing (the same name again) succeeds and
 * publishes nothing.
 *
 * The audit row of a change is named "<kind>.<change>" ("unit.add",
 * "room.rename", "person.pin-set", "focus.save", ...), with the record's
 * unit and id and a detail that never holds names or other free text
 * ("role=leader", "version=3"). The command line writes a row of its own
 * for every command it runs, refused or not, named after the command.
 *
 * What deactivating means, where tablets can and cannot follow:
 * - a person: "active" is on the wire; a deactivated person cannot sign in
 *   on any tablet from its next pull, and the server refuses their pulls;
 *   what they recorded stays. Reactivating lets them in again.
 * - a room: tablets have no notion of a closed room, and deleting it from
 *   them would orphan the observations made in it. The server keeps the
 *   room and its observations, leaves it out of the office's pickers and
 *   lists (srv_ref_rooms says active = 0), and refuses to move people into
 *   it; tablets keep offering it until it is renamed or reactivated.
 * - a unit: its tablets keep syncing (nothing recorded is lost, retention
 *   runs as before), but it gets no new enrolment codes and the office
 *   lists it as inactive. Tablets do not see the flag.
 * - a focus is retired by ending its period: a new version whose period
 *   ends yesterday (tablets offer only focuses whose period covers today),
 *   so drafts already started finish on the version they began with.
 * - a template is retired on the server only: no new or changed focus may
 *   use it, and it is refused while a focus that is not retired uses it;
 *   tablets keep it for the focuses and observations that do.
 * Saving a retired focus or template brings it back.
 *
 * Versions of focuses and templates: tablets store each version once and
 * refuse the same version with other content, so a version a tablet may
 * already hold never changes. srv_ref_focus_save and srv_ref_template_save
 * change the current version in place only while it has no observations on
 * the server and no tablet of the unit has pulled since it was published;
 * otherwise they publish version + 1. (A pull running in the very
 * milliseconds of such a save is not yet in the audit log the save reads,
 * and could take the version just before it changes; closing that needs
 * the pull to wait for the unit's saves, which it does not yet.) Signs
 * keep their ids across versions;
 * a sign left out of a new version stays in the older ones, where the
 * observations that rated it find it. The server accepts observations made
 * against any version it has published, so a tablet finishes a draft on
 * the version it started with.
 *
 * The return values: SRV_REF_OK, SRV_REF_INVALID (bad input or a rule of
 * the data: err says which, for the person who typed it), SRV_REF_NOTFOUND
 * (what the call names does not exist), SRV_REF_FAIL (the database or
 * memory failed: err says why, for the log).
 *
 * Nothing here is thread-safe on one connection; use one connection per
 * thread, as the server's pool does.
 */
#include <libpq-fe.h>
#include <stddef.h>

#include "model.h"
#include "proto.h"

typedef enum {
    SRV_REF_FAIL = -1,
    SRV_REF_OK = 0,
    SRV_REF_INVALID = 1,
    SRV_REF_NOTFOUND = 2,
} srv_ref_rc;

/* A sensible size for err. */
#define SRV_REF_ERR_MAX 400

/* ---- what the reads return (plain values: copy freely) ---- */

typedef struct {
    model_unit unit;
    int active;
} srv_ref_unit;

typedef struct {
    model_room room;
    int active;
} srv_ref_room;

typedef struct {
    model_person person; /* person.pin_verifier[0] != 0: a PIN is set */
    model_id room_id;    /* the room they work in, "" if none (server only) */
} srv_ref_person;

typedef struct {
    model_focus focus;    /* the latest version unless a version was asked for */
    int has_observations; /* observations on the server against this version */
    int retired;          /* retired with srv_ref_focus_retire */
} srv_ref_focus;

typedef struct {
    model_template tmpl; /* large (tens of kilobytes): keep it on the heap */
    int has_observations;
    int retired;
} srv_ref_template;

/* ---- units ---- */

/*
 * Adds a unit. id: NULL for a new one, else a UUID to use (refused if
 * taken). retention_days: at least 1. The id is written to out_id.
 */
srv_ref_rc srv_ref_unit_add(PGconn *pg, const char *actor, const char *id, const char *name,
                            int retention_days, model_id out_id, char *err, size_t errlen);
srv_ref_rc srv_ref_unit_rename(PGconn *pg, const char *actor, const char *unit, const char *name,
                               char *err, size_t errlen);
srv_ref_rc srv_ref_unit_set_retention(PGconn *pg, const char *actor, const char *unit,
                                      int retention_days, char *err, size_t errlen);
/* active: 0 deactivates, 1 reactivates (see above for what that means). */
srv_ref_rc srv_ref_unit_set_active(PGconn *pg, const char *actor, const char *unit, int active,
                                   char *err, size_t errlen);

/*
 * The units, ordered by name then id: every unit when ids is NULL, else
 * those of ids[0..n_ids) that exist. *out is malloc'd (free() it; NULL
 * when *n is 0).
 */
srv_ref_rc srv_ref_units(PGconn *pg, const char *const *ids, int n_ids, srv_ref_unit **out, int *n,
                         char *err, size_t errlen);
srv_ref_rc srv_ref_unit_get(PGconn *pg, const char *unit, srv_ref_unit *out, char *err,
                            size_t errlen);

/* ---- rooms ---- */

srv_ref_rc srv_ref_room_add(PGconn *pg, const char *actor, const char *unit, const char *id,
                            const char *name, model_id out_id, char *err, size_t errlen);
srv_ref_rc srv_ref_room_rename(PGconn *pg, const char *actor, const char *room, const char *name,
                               char *err, size_t errlen);
srv_ref_rc srv_ref_room_set_active(PGconn *pg, const char *actor, const char *room, int active,
                                   char *err, size_t errlen);
/* The rooms of a unit, active and not, ordered by name then id; *out as
 * for srv_ref_units. */
srv_ref_rc srv_ref_rooms(PGconn *pg, const char *unit, srv_ref_room **out, int *n, char *err,
                         size_t errlen);
srv_ref_rc srv_ref_room_get(PGconn *pg, const char *room, srv_ref_room *out, char *err,
                            size_t errlen);

/* ---- people ---- */

srv_ref_rc srv_ref_person_add(PGconn *pg, const char *actor, const char *unit, const char *id,
                              const char *name, model_role role, model_id out_id, char *err,
                              size_t errlen);
srv_ref_rc srv_ref_person_rename(PGconn *pg, const char *actor, const char *person,
                                 const char *name, char *err, size_t errlen);
srv_ref_rc srv_ref_person_set_role(PGconn *pg, const char *actor, const char *person,
                                   model_role role, char *err, size_t errlen);
/* room: an active room of the person's unit, or NULL or "" for none. */
srv_ref_rc srv_ref_person_set_room(PGconn *pg, const char *actor, const char *person,
                                   const char *room, char *err, size_t errlen);
srv_ref_rc srv_ref_person_set_active(PGconn *pg, const char *actor, const char *person, int active,
                                     char *err, size_t errlen);
/* Stores an argon2id verifier of pin (MODEL_PIN_MIN..MODEL_PIN_MAX
 * digits); the PIN itself is never stored or logged. The caller wipes its
 * copy (sodium_memzero). */
srv_ref_rc srv_ref_person_set_pin(PGconn *pg, const char *actor, const char *person,
                                  const char *pin, char *err, size_t errlen);
/* Removes the PIN: the person cannot sign in on a tablet until a new one
 * is set. */
srv_ref_rc srv_ref_person_clear_pin(PGconn *pg, const char *actor, const char *person, char *err,
                                    size_t errlen);
/*
 * The people of a unit, ordered by name then id; search: NULL or "" for
 * all, else only those whose name contains it, ignoring case (Unicode
 * letters too: "Æ" finds "æ"). *out as for srv_ref_units.
 */
srv_ref_rc srv_ref_people(PGconn *pg, const char *unit, const char *search, srv_ref_person **out,
                          int *n, char *err, size_t errlen);
srv_ref_rc srv_ref_person_get(PGconn *pg, const char *person, srv_ref_person *out, char *err,
                              size_t errlen);

/* ---- learning focuses ---- */

/*
 * Saves a focus. f->id "" makes a new focus (the id is filled in), as does
 * an id no focus has yet; f->version is ignored and set to the version
 * saved (see versioning above). f->unit_id must be the unit of the focus
 * with that id, and f->template_id a template of that unit that is not
 * retired. A sign with id "" is new and gets one. base: 0, or the latest
 * version the change was made from (the one a form showed): refused when
 * another change has been saved since, so two people editing at once do
 * not undo each other. On failure f may have new ids filled in, but
 * nothing is stored.
 */
srv_ref_rc srv_ref_focus_save(PGconn *pg, const char *actor, model_focus *f, int base, char *err,
                              size_t errlen);
/* Ends the focus's period yesterday, in a new version (see above). */
srv_ref_rc srv_ref_focus_retire(PGconn *pg, const char *actor, const char *focus, char *err,
                                size_t errlen);
/* The focuses of a unit at their latest versions, retired ones too,
 * ordered by question then id; *out as for srv_ref_units. */
srv_ref_rc srv_ref_focuses(PGconn *pg, const char *unit, srv_ref_focus **out, int *n, char *err,
                           size_t errlen);
/* The focuses of several units (n_units ids) at their latest versions,
 * retired ones too, ordered by unit id, question and id; *out as for
 * srv_ref_units. One statement for all, for pages over many units; it
 * does not ask whether a version is in use (has_observations is 0). */
srv_ref_rc srv_ref_focuses_of_units(PGconn *pg, const char *const *units, int n_units,
                                    srv_ref_focus **out, int *n, char *err, size_t errlen);
/* One focus at version (0: the latest). */
srv_ref_rc srv_ref_focus_get(PGconn *pg, const char *focus, int version, srv_ref_focus *out,
                             char *err, size_t errlen);

/* ---- observation templates ---- */

/* Saves a template, as srv_ref_focus_save does a focus: t->id "" makes a
 * new one; t->version is set to the version saved; base as there. */
srv_ref_rc srv_ref_template_save(PGconn *pg, const char *actor, model_template *t, int base,
                                 char *err, size_t errlen);
srv_ref_rc srv_ref_template_retire(PGconn *pg, const char *actor, const char *tmpl, char *err,
                                   size_t errlen);
/* The templates of a unit at their latest versions, ordered by name then
 * id; *out as for srv_ref_units (each element is large). */
srv_ref_rc srv_ref_templates(PGconn *pg, const char *unit, srv_ref_template **out, int *n,
                             char *err, size_t errlen);
/* The templates named by ids (n_ids of them) at their latest versions,
 * ordered by id; ids that name none are left out. *out as for
 * srv_ref_units (each element is large); has_observations is 0, as for
 * srv_ref_focuses_of_units. */
srv_ref_rc srv_ref_templates_latest(PGconn *pg, const char *const *ids, int n_ids,
                                    srv_ref_template **out, int *n, char *err, size_t errlen);
/* One template at version (0: the latest). */
srv_ref_rc srv_ref_template_get(PGconn *pg, const char *tmpl, int version, srv_ref_template *out,
                                char *err, size_t errlen);

/* ---- tablets ---- */

/* An enrolment code as shown and typed: ten characters in two groups
 * ("ABCDE-FGH23"); the tablet ignores the dash and case. */
#define SRV_REF_CODE_LEN 11
#define SRV_REF_CODE_TTL_MAX (7 * 24 * 60) /* minutes */

/*
 * Makes a single-use enrolment code for an active unit, valid for
 * ttl_minutes (1..SRV_REF_CODE_TTL_MAX), into code; *expires (may be NULL)
 * gets its expiry (seconds since 1970). Only the code's hash is stored, so
 * this is the one time it can be read. Audit row "device.enrol-code".
 */
srv_ref_rc srv_ref_enrol_code(PGconn *pg, const char *actor, const char *unit, int ttl_minutes,
                              char code[SRV_REF_CODE_LEN + 1], long long *expires, char *err,
                              size_t errlen);

/* Where a tablet stands: enrolled; revoked (refused at its next request);
 * revoked with a wipe asked for, not yet told; told to wipe. */
typedef enum {
    SRV_REF_DEVICE_ACTIVE,
    SRV_REF_DEVICE_REVOKED,
    SRV_REF_DEVICE_WIPE_ASKED,
    SRV_REF_DEVICE_WIPE_SENT,
} srv_ref_device_state;

/* A tablet as the server knows it; times are seconds since 1970, 0 for
 * never. The name, address and version are as the tablet sent them. */
typedef struct {
    model_id id, unit_id;
    char name[PROTO_DEVICE_NAME_MAX + 1];
    srv_ref_device_state state;
    long long enrolled_at, last_seen_at, last_push_at, revoked_at, wipe_sent_at;
    int last_push_changes;
    char version[80];
    char address[64];
} srv_ref_device;

/* The tablets of a unit, revoked ones too, in the order they enrolled;
 * *out as for srv_ref_units. */
srv_ref_rc srv_ref_devices(PGconn *pg, const char *unit, srv_ref_device **out, int *n, char *err,
                           size_t errlen);
srv_ref_rc srv_ref_device_get(PGconn *pg, const char *device, srv_ref_device *out, char *err,
                              size_t errlen);
/*
 * Revokes a tablet: its next request is refused. wipe: also asks it to
 * erase what it holds at every contact from then on (a lost or stolen
 * tablet). Revoking again keeps the first time, and a revocation without
 * wipe never takes a wipe back. Audit row "device.revoke" or
 * "device.wipe", when something changed.
 */
srv_ref_rc srv_ref_device_revoke(PGconn *pg, const char *actor, const char *device, int wipe,
                                 char *err, size_t errlen);

#endif
