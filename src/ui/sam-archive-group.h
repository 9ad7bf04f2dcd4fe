/* sam-archive-group.h — the folders Samantha learns from, reading progress and what it found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "companion/sam-archive-indexer.h"

G_BEGIN_DECLS

#define SAM_TYPE_ARCHIVE_GROUP (sam_archive_group_get_type ())

G_DECLARE_FINAL_TYPE (SamArchiveGroup, sam_archive_group, SAM, ARCHIVE_GROUP, AdwPreferencesGroup)

GtkWidget *sam_archive_group_new (void);
/* The indexer whose runs the group shows; by default the application's. */
void sam_archive_group_set_indexer (SamArchiveGroup *self, SamArchiveIndexer *indexer);
SamArchiveIndexer *sam_archive_group_get_indexer (SamArchiveGroup *self);

G_END_DECLS
