/* sam-memory-page.h — Preferences → Memory: everything Samantha remembers, to review and change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "store/sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_MEMORY_PAGE (sam_memory_page_get_type ())

G_DECLARE_FINAL_TYPE (SamMemoryPage, sam_memory_page, SAM, MEMORY_PAGE, AdwPreferencesPage)

GtkWidget *sam_memory_page_new (void);
SamStore  *sam_memory_page_get_store (SamMemoryPage *self);
void       sam_memory_page_set_store (SamMemoryPage *self, SamStore *store);
void       sam_memory_page_refresh (SamMemoryPage *self);

G_END_DECLS
