/* sam-application.h — the application: actions, command line, single instance.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "companion/sam-archive-indexer.h"
#include "model/sam-provider.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

#define SAM_TYPE_APPLICATION (sam_application_get_type ())

G_DECLARE_FINAL_TYPE (SamApplication, sam_application, SAM, APPLICATION, AdwApplication)

SamApplication *sam_application_new (void);
GSettings      *sam_application_get_settings (SamApplication *self);
SamStore       *sam_application_get_store (SamApplication *self, GError **error);

SamProvider *sam_application_get_provider (SamApplication *self);
void         sam_application_reload_provider (SamApplication *self);

SamArchiveIndexer *sam_application_get_archive_indexer (SamApplication *self);

G_END_DECLS
