/* sam-embedding-store.h — embeddings of facts, for the optional re-ranking of recall.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-store.h"

G_BEGIN_DECLS

/* Keeps VECTOR (a GArray of float, not empty) as the embedding of fact FACT_ID by MODEL,
 * replacing the one it had. Stored as float32 little-endian with its model and dimension;
 * it goes when the fact is forgotten or its text changes. */
gboolean sam_store_set_fact_embedding (
    SamStore *self, gint64 fact_id, const char *model, GArray *vector, GError **error);

/* The embedding of fact FACT_ID by MODEL, a GArray of float; NULL without an error when the
 * fact has none by that model. */
GArray *
sam_store_get_fact_embedding (SamStore *self, gint64 fact_id, const char *model, GError **error);

/* How many facts have an embedding (by any model). */
gint64 sam_store_count_fact_embeddings (SamStore *self, GError **error);

G_END_DECLS
