/* sam-crisis-banner.h — the crisis lines for the user's country, shown in the conversation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SAM_TYPE_CRISIS_BANNER (sam_crisis_banner_get_type ())

G_DECLARE_FINAL_TYPE (SamCrisisBanner, sam_crisis_banner, SAM, CRISIS_BANNER, GtkWidget)

GtkWidget  *sam_crisis_banner_new (void);
const char *sam_crisis_banner_get_country (SamCrisisBanner *self);
void        sam_crisis_banner_set_country (SamCrisisBanner *self, const char *country);
GtkListBox *sam_crisis_banner_get_list (SamCrisisBanner *self);

G_END_DECLS
