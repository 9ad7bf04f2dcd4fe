/* sam-wellbeing-page.h — Preferences → Wellbeing: the crisis protocol, reminders, age, counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "store/sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_WELLBEING_PAGE (sam_wellbeing_page_get_type ())

G_DECLARE_FINAL_TYPE (SamWellbeingPage, sam_wellbeing_page, SAM, WELLBEING_PAGE, AdwPreferencesPage)

GtkWidget *sam_wellbeing_page_new (void);
SamStore  *sam_wellbeing_page_get_store (SamWellbeingPage *self);
void       sam_wellbeing_page_set_store (SamWellbeingPage *self, SamStore *store);
void       sam_wellbeing_page_refresh (SamWellbeingPage *self);

G_END_DECLS
