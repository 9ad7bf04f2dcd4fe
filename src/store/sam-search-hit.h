/* sam-search-hit.h — one result of a full-text search over all messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sam-message.h"

G_BEGIN_DECLS

/* The snippet marks each hit with U+0001 before and U+0002 after it; other text is plain. */
#define SAM_SEARCH_HIT_START "\001"
#define SAM_SEARCH_HIT_END   "\002"

#define SAM_TYPE_SEARCH_HIT (sam_search_hit_get_type ())

G_DECLARE_FINAL_TYPE (SamSearchHit, sam_search_hit, SAM, SEARCH_HIT, GObject)

SamSearchHit  *sam_search_hit_new (gint64         conversation_id,
                                   gint64         message_id,
                                   const char    *conversation_title,
                                   SamMessageRole role,
                                   gint64         created,
                                   const char    *snippet);
gint64         sam_search_hit_get_conversation_id (SamSearchHit *self);
gint64         sam_search_hit_get_message_id (SamSearchHit *self);
const char    *sam_search_hit_get_conversation_title (SamSearchHit *self);
SamMessageRole sam_search_hit_get_role (SamSearchHit *self);
gint64         sam_search_hit_get_created (SamSearchHit *self);
const char    *sam_search_hit_get_snippet (SamSearchHit *self);
char          *sam_search_hit_dup_snippet_markup (SamSearchHit *self);

G_END_DECLS
