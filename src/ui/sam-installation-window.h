/* sam-installation-window.h — the first-run installation: a few questions, then the main
 * window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "sam-application.h"

G_BEGIN_DECLS

#define SAM_TYPE_INSTALLATION_WINDOW (sam_installation_window_get_type ())

G_DECLARE_FINAL_TYPE (
    SamInstallationWindow, sam_installation_window, SAM, INSTALLATION_WINDOW, AdwWindow)

SamInstallationWindow             *
sam_installation_window_new (SamApplication *application, gboolean first_run);
const char *sam_installation_window_get_page_name (SamInstallationWindow *self);
void        sam_installation_window_add_folder (SamInstallationWindow *self, GFile *folder);

G_END_DECLS
