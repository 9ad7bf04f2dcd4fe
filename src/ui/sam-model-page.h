/* sam-model-page.h — Preferences → Model: provider, base URL, model, API key, test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SAM_TYPE_MODEL_PAGE (sam_model_page_get_type ())

G_DECLARE_FINAL_TYPE (SamModelPage, sam_model_page, SAM, MODEL_PAGE, AdwPreferencesPage)

GtkWidget *sam_model_page_new (void);

G_END_DECLS
