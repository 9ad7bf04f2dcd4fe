/* sam-safety-policy.h — the safety policy sent to the model with every request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A marker that only a safety-mode request carries, so tests and logs can tell them apart. */
#define SAM_SAFETY_MODE_MARKER "SAFETY MODE"

char *sam_safety_policy_prompt (gboolean safety_mode, gboolean is_minor);

G_END_DECLS
