/*
 * The office's map: every page and action, its method, its address and the
 * least role that may reach it. The dispatcher reads this table, and the
 * role tests walk every row as every role, so a page added here is tested
 * for who may reach it without anyone remembering to.
 */
#include "off_int.h"

#include <string.h>

const off_route off_routes[] = {
    {"GET", "/", OFF_ROLE_PEER, off_home},
    {"POST", "/sign-out", OFF_ROLE_PEER, off_sign_out},
    {"GET", "/templates", OFF_ROLE_LEADER, off_templates},
    {"GET", "/templates/new", OFF_ROLE_LEADER, off_template_new},
    {"POST", "/templates/new", OFF_ROLE_LEADER, off_template_new_post},
    {"GET", "/templates/*", OFF_ROLE_LEADER, off_template_show},
    {"GET", "/templates/*/edit", OFF_ROLE_LEADER, off_template_edit},
    {"POST", "/templates/*/edit", OFF_ROLE_LEADER, off_template_edit_post},
    {"GET", "/templates/*/preview", OFF_ROLE_LEADER, off_template_preview},
    {"POST", "/templates/*/retire", OFF_ROLE_LEADER, off_template_retire},
    {"GET", "/people", OFF_ROLE_LEADER, off_people_list},
    {"GET", "/people/new", OFF_ROLE_LEADER, off_people_new},
    {"POST", "/people/new", OFF_ROLE_LEADER, off_people_add},
    {"GET", "/people/*", OFF_ROLE_LEADER, off_person_show},
    {"POST", "/people/*/rename", OFF_ROLE_LEADER, off_person_rename},
    {"POST", "/people/*/role", OFF_ROLE_LEADER, off_person_role},
    {"POST", "/people/*/room", OFF_ROLE_LEADER, off_person_room},
    {"POST", "/people/*/deactivate", OFF_ROLE_LEADER, off_person_deactivate},
    {"POST", "/people/*/reactivate", OFF_ROLE_LEADER, off_person_reactivate},
    {"POST", "/people/*/pin", OFF_ROLE_LEADER, off_person_pin},
    {"POST", "/people/*/pin-clear", OFF_ROLE_LEADER, off_person_pin_clear},
    {"GET", "/people/*/export", OFF_ROLE_LEADER, off_person_export},
    {"GET", "/people/*/erase", OFF_ROLE_LEADER, off_person_erase_form},
    {"POST", "/people/*/erase", OFF_ROLE_LEADER, off_person_erase},
    {"GET", "/units", OFF_ROLE_LEADER, off_units},
    {"GET", "/units/new", OFF_ROLE_ADMIN, off_unit_new_form},
    {"POST", "/units/new", OFF_ROLE_ADMIN, off_unit_new},
    {"GET", "/units/*", OFF_ROLE_LEADER, off_unit},
    {"POST", "/units/*/rename", OFF_ROLE_ADMIN, off_unit_rename},
    {"POST", "/units/*/retention", OFF_ROLE_ADMIN, off_unit_retention},
    {"POST", "/units/*/deactivate", OFF_ROLE_ADMIN, off_unit_deactivate},
    {"POST", "/units/*/reactivate", OFF_ROLE_ADMIN, off_unit_reactivate},
    {"POST", "/units/*/rooms", OFF_ROLE_LEADER, off_unit_room_add},
    {"POST", "/rooms/*/rename", OFF_ROLE_LEADER, off_room_rename},
    {"POST", "/rooms/*/deactivate", OFF_ROLE_LEADER, off_room_deactivate},
    {"POST", "/rooms/*/reactivate", OFF_ROLE_LEADER, off_room_reactivate},
    {"GET", "/tablets", OFF_ROLE_LEADER, off_tablets},
    {"POST", "/units/*/enrol-code", OFF_ROLE_LEADER, off_unit_enrol_code},
    {"POST", "/tablets/*/revoke", OFF_ROLE_LEADER, off_tablet_revoke},
    {"POST", "/tablets/*/wipe", OFF_ROLE_LEADER, off_tablet_wipe},
    {"GET", "/focuses", OFF_ROLE_PEER, off_focus_list},
    {"GET", "/focuses/new", OFF_ROLE_LEADER, off_focus_new},
    {"POST", "/focuses/new", OFF_ROLE_LEADER, off_focus_new_post},
    {"GET", "/focuses/*", OFF_ROLE_PEER, off_focus_show},
    {"GET", "/focuses/*/edit", OFF_ROLE_LEADER, off_focus_edit},
    {"POST", "/focuses/*/edit", OFF_ROLE_LEADER, off_focus_edit_post},
    {"POST", "/focuses/*/retire", OFF_ROLE_LEADER, off_focus_retire},
    {"GET", "/observations", OFF_ROLE_PEER, off_obs_list},
    {"GET", "/observations/*", OFF_ROLE_PEER, off_obs_show},
    {"GET", "/calibration", OFF_ROLE_LEADER, off_calibration},
    {"GET", "/focuses/*/progression", OFF_ROLE_PEER, off_focus_progression},
    {"GET", "/focuses/*/meeting", OFF_ROLE_LEADER, off_focus_meeting},
    {"POST", "/focuses/*/steps", OFF_ROLE_LEADER, off_focus_step_add},
    {"POST", "/steps/*/done", OFF_ROLE_LEADER, off_step_done},
    {"GET", "/area", OFF_ROLE_AREA, off_area},
    {"GET", "/plans", OFF_ROLE_PEER, off_plans},
    {"GET", "/plans/new", OFF_ROLE_LEADER, off_plan_new},
    {"POST", "/plans/new", OFF_ROLE_LEADER, off_plan_new_post},
    {"GET", "/plans/rota", OFF_ROLE_LEADER, off_plan_rota},
    {"POST", "/plans/rota", OFF_ROLE_LEADER, off_plan_rota_post},
    {"GET", "/plans/*", OFF_ROLE_PEER, off_plan_show},
    {"POST", "/plans/*/cancel", OFF_ROLE_LEADER, off_plan_cancel},
    {"POST", "/plans/*/agree", OFF_ROLE_PEER, off_plan_agree},
    {"GET", "/sign-in", OFF_ROLE_NONE, off_sign_in_form},
    {"POST", "/sign-in", OFF_ROLE_NONE, off_sign_in},
    {"POST", "/sign-out-everywhere", OFF_ROLE_PEER, off_sign_out_everywhere},
    {"GET", "/invite/*", OFF_ROLE_NONE, off_invite_form},
    {"POST", "/invite/*", OFF_ROLE_NONE, off_invite_accept},
    {"GET", "/account", OFF_ROLE_PEER, off_account},
    {"POST", "/account/password", OFF_ROLE_PEER, off_account_password},
    {"GET", "/accounts", OFF_ROLE_LEADER, off_accounts},
    {"GET", "/accounts/new", OFF_ROLE_LEADER, off_account_new_form},
    {"POST", "/accounts/new", OFF_ROLE_LEADER, off_account_new},
    {"GET", "/accounts/*", OFF_ROLE_LEADER, off_account_show},
    {"POST", "/accounts/*/disable", OFF_ROLE_LEADER, off_account_disable},
    {"POST", "/accounts/*/enable", OFF_ROLE_LEADER, off_account_enable},
    {"POST", "/accounts/*/invite", OFF_ROLE_LEADER, off_account_invite},
    {"POST", "/accounts/*/units", OFF_ROLE_ADMIN, off_account_units},
    {"GET", "/exports", OFF_ROLE_LEADER, off_exports},
    {"GET", "/exports/observations.csv", OFF_ROLE_LEADER, off_export_observations},
    {"GET", "/exports/events.csv", OFF_ROLE_LEADER, off_export_events},
};
const int off_n_routes = (int)(sizeof off_routes / sizeof off_routes[0]);

int off_route_match(const char *pattern, const char *path, const char **args, int *n_args,
                    char *scratch, size_t scratch_cap)
{
    size_t used = 0;
    int n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '*') {
            /* One segment: an id or key, never empty, never a slash. */
            size_t k = strcspn(s, "/");
            if (k == 0 || n == 4 || used + k + 1 > scratch_cap)
                return 0;
            memcpy(scratch + used, s, k);
            scratch[used + k] = 0;
            args[n++] = scratch + used;
            used += k + 1;
            s += k;
            p++;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return 0;
        }
    }
    if (*p || *s)
        return 0;
    *n_args = n;
    return 1;
}
