/* sam-string-action.h — an action with a string parameter that may also be activated without one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SAM_TYPE_STRING_ACTION (sam_string_action_get_type ())

G_DECLARE_FINAL_TYPE (SamStringAction, sam_string_action, SAM, STRING_ACTION, GObject)

GAction *sam_string_action_new (const char *name);

G_END_DECLS
