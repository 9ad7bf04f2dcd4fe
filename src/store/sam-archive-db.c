/* sam-archive-db.c — a connection of its own for indexing the user's files in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-archive-db.h"

#include "sam-store-private.h"

struct _SamArchiveDb
{
  sqlite3      *db;
  sqlite3_stmt *modified;
  sqlite3_stmt *delete;
  sqlite3_stmt *insert;
};

SamArchiveDb *
sam_archive_db_open (const char *path, GError **error)
{
  g_autoptr (SamArchiveDb) self = g_new0 (SamArchiveDb, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (!(self->db = _sam_store_open_connection (path, error)))
    return NULL;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT count (*), min (ifnull (modified, -1)) FROM archive_chunks "
                          "WHERE path = ?1",
                          -1, &self->modified, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "DELETE FROM archive_chunks WHERE path = ?1", -1, &self->delete,
                          NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "INSERT INTO archive_chunks (path, position, text, modified, created) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          -1, &self->insert, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, self->db, "prepare the archive statements");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
sam_archive_db_close (SamArchiveDb *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->modified, sqlite3_finalize);
  g_clear_pointer (&self->delete, sqlite3_finalize);
  g_clear_pointer (&self->insert, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self);
}

gint64
sam_archive_db_get_modified (SamArchiveDb *self, const char *path, GError **error)
{
  gint64 modified = -1;
  int    rc;

  g_return_val_if_fail (self != NULL && path != NULL, -1);

  sqlite3_bind_text (self->modified, 1, path, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->modified);
  if (rc == SQLITE_ROW && sqlite3_column_int64 (self->modified, 0) > 0)
    modified = sqlite3_column_int64 (self->modified, 1);
  else if (rc != SQLITE_ROW)
    _sam_store_set_error (error, self->db, "look up an indexed file");
  sqlite3_reset (self->modified);
  return modified;
}

gboolean
sam_archive_db_replace_file (
    SamArchiveDb *self, const char *path, GPtrArray *chunks, gint64 modified, GError **error)
{
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (!_sam_store_exec (self->db, "PRAGMA secure_delete = ON; BEGIN IMMEDIATE", error))
    return FALSE;

  sqlite3_bind_text (self->delete, 1, path, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (self->delete) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (self->delete);

  for (guint i = 0; chunks && i < chunks->len; i++)
    {
      sqlite3_bind_text (self->insert, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (self->insert, 2, i);
      sqlite3_bind_text (self->insert, 3, g_ptr_array_index (chunks, i), -1, SQLITE_TRANSIENT);
      if (modified >= 0)
        sqlite3_bind_int64 (self->insert, 4, modified);
      else
        sqlite3_bind_null (self->insert, 4);
      sqlite3_bind_int64 (self->insert, 5, now);
      if (sqlite3_step (self->insert) != SQLITE_DONE)
        goto failed;
      sqlite3_reset (self->insert);
    }

  return _sam_store_exec (self->db, "COMMIT; PRAGMA secure_delete = OFF", error);

failed:
  _sam_store_set_error (error, self->db, "save the parts of a file");
  sqlite3_reset (self->delete);
  sqlite3_reset (self->insert);
  sqlite3_exec (self->db, "ROLLBACK; PRAGMA secure_delete = OFF", NULL, NULL, NULL);
  return FALSE;
}
