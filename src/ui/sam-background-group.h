/* sam-background-group.h — the preferences about the tray and running in the background.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SAM_TYPE_BACKGROUND_GROUP (sam_background_group_get_type ())

G_DECLARE_FINAL_TYPE (
    SamBackgroundGroup, sam_background_group, SAM, BACKGROUND_GROUP, AdwPreferencesGroup)

GtkWidget *sam_background_group_new (void);

G_END_DECLS
