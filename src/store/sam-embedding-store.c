/* sam-embedding-store.c — embeddings of facts, for the optional re-ranking of recall.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sam-embedding-store.h"
#include "sam-store-private.h"

gboolean
sam_store_set_fact_embedding (
    SamStore *self, gint64 fact_id, const char *model, GArray *vector, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autofree guint32 *blob = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (vector != NULL && vector->len > 0, FALSE);
  g_return_val_if_fail (g_array_get_element_size (vector) == sizeof (float), FALSE);

  blob = g_new (guint32, vector->len);
  for (guint i = 0; i < vector->len; i++)
    {
      guint32 bits;

      memcpy (&bits, &g_array_index (vector, float, i), sizeof bits);
      blob[i] = GUINT32_TO_LE (bits);
    }

  if (!(stmt = _sam_store_prepare (
            self,
            "INSERT INTO memory_fact_embeddings (fact_id, model, dimension, vector, created) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (fact_id) DO UPDATE "
            "SET model = excluded.model, dimension = excluded.dimension, "
            "  vector = excluded.vector, created = excluded.created",
            error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, fact_id);
  sqlite3_bind_text (stmt, 2, model, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, vector->len);
  sqlite3_bind_blob (stmt, 4, blob, vector->len * sizeof (guint32), SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "save the embedding of a memory");
      return FALSE;
    }
  return TRUE;
}

GArray *
sam_store_get_fact_embedding (SamStore *self, gint64 fact_id, const char *model, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  const guint8 *blob;
  GArray       *vector;
  gint64        dimension;
  int           rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT dimension, vector FROM memory_fact_embeddings "
                                   "WHERE fact_id = ?1 AND model = ?2",
                                   error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, fact_id);
  sqlite3_bind_text (stmt, 2, model, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "read the embedding of a memory");
      return NULL;
    }

  dimension = sqlite3_column_int64 (stmt, 0);
  blob = sqlite3_column_blob (stmt, 1);
  if (blob == NULL || dimension <= 0 || sqlite3_column_bytes (stmt, 1) != dimension * 4)
    return NULL;

  vector = g_array_sized_new (FALSE, FALSE, sizeof (float), dimension);
  for (gint64 i = 0; i < dimension; i++)
    {
      guint32 bits;
      float   value;

      memcpy (&bits, blob + 4 * i, sizeof bits);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&value, &bits, sizeof value);
      g_array_append_val (vector, value);
    }
  return vector;
}

gint64
sam_store_count_fact_embeddings (SamStore *self, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), -1);

  if (!(stmt = _sam_store_prepare (self, "SELECT count(*) FROM memory_fact_embeddings", error)))
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "count the embeddings of memories");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}
