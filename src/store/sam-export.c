/* sam-export.c — exporting every conversation as Markdown and JSON into a directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DIRECTORY/conversations.json is the lossless copy sam_import_file() reads back:
 *
 *   { "format": "samantha-export", "version": 1, "exported": "<ISO 8601>",
 *     "conversations": [ { "uuid", "title", "kind", "created", "updated", "pinned", "draft",
 *                          "messages": [ { "role", "content", "created", "state", "model",
 *                                          "finish_reason", "error", "tokens_in",
 *                                          "tokens_out" } ] } ] }
 *
 * Times are ISO 8601 in UTC with microseconds; fields without a value are left out. Deleted
 * conversations are not exported. DIRECTORY/markdown/ holds one readable file per
 * conversation, for people rather than programs.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sam-export.h"
#include "sam-store-private.h"

#define EXPORT_FORMAT  "samantha-export"
#define EXPORT_VERSION 1

/* ISO 8601, UTC, with microseconds when there are any. Shared with the importer. */
char *
_sam_export_format_time (gint64 usec)
{
  g_autoptr (GDateTime) seconds = NULL;
  g_autoptr (GDateTime) time = NULL;
  gint64 whole = usec / G_USEC_PER_SEC;
  gint64 rest = usec % G_USEC_PER_SEC;

  if (rest < 0)
    {
      whole -= 1;
      rest += G_USEC_PER_SEC;
    }
  seconds = g_date_time_new_from_unix_utc (whole);
  if (seconds == NULL)
    return NULL;
  time = g_date_time_add (seconds, rest);
  return g_date_time_format_iso8601 (time);
}

static char *
format_local (gint64 usec)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

static char *
slugify (const char *title)
{
  GString *slug = g_string_new (NULL);
  gboolean dash = FALSE;

  for (const char *p = title; *p && slug->len < 40; p++)
    {
      if (g_ascii_isalnum (*p))
        {
          if (dash && slug->len)
            g_string_append_c (slug, '-');
          g_string_append_c (slug, g_ascii_tolower (*p));
          dash = FALSE;
        }
      else
        dash = TRUE;
    }
  if (slug->len == 0)
    g_string_append (slug, "conversation");
  return g_string_free (slug, FALSE);
}

static const char *
role_label (const char *role)
{
  if (g_strcmp0 (role, "user") == 0)
    /* Translators: the heading of the user's messages in an exported conversation. */
    return _ ("You");
  if (g_strcmp0 (role, "assistant") == 0)
    return _ ("Samantha");
  if (g_strcmp0 (role, "system") == 0)
    /* Translators: the heading of system instructions in an exported conversation. */
    return _ ("Instructions");
  /* Translators: the heading of a tool's output in an exported conversation. */
  return _ ("Tool");
}

typedef struct
{
  GFile         *directory;
  GFile         *markdown_dir;
  char          *path;
  SamExportStats stats;
} ExportData;

static void
export_data_free (gpointer data)
{
  ExportData *export = data;

  g_clear_object (&export->directory);
  g_clear_object (&export->markdown_dir);
  g_free (export->path);
  g_free (export);
}

static void
add_text_member (JsonBuilder *builder, const char *name, sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, column));
}

static void
add_int_member (JsonBuilder *builder, const char *name, sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, column));
}

static void
add_time_member (JsonBuilder *builder, const char *name, gint64 usec)
{
  g_autofree char *iso = _sam_export_format_time (usec);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, iso);
}

static gboolean
write_all (GOutputStream *stream,
           const char    *text,
           gsize          length,
           GCancellable  *cancellable,
           GError       **error)
{
  return g_output_stream_write_all (stream, text, length, NULL, cancellable, error);
}

/* Reads one conversation's messages, appends them to BUILDER (inside "messages") and to the
 * Markdown text. */
static gboolean
export_messages (sqlite3      *db,
                 sqlite3_stmt *stmt,
                 gint64        conversation_id,
                 JsonBuilder  *builder,
                 GString      *markdown,
                 guint        *n_messages,
                 GError      **error)
{
  int rc;

  sqlite3_reset (stmt);
  sqlite3_bind_int64 (stmt, 1, conversation_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char      *role = (const char *) sqlite3_column_text (stmt, 2);
      const char      *content = (const char *) sqlite3_column_text (stmt, 3);
      const char      *state = (const char *) sqlite3_column_text (stmt, 5);
      gint64           created = sqlite3_column_int64 (stmt, 4);
      g_autofree char *when = format_local (created);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, role);
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, content);
      add_time_member (builder, "created", created);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      add_text_member (builder, "model", stmt, 6);
      add_text_member (builder, "finish_reason", stmt, 7);
      add_text_member (builder, "error", stmt, 8);
      add_int_member (builder, "tokens_in", stmt, 9);
      add_int_member (builder, "tokens_out", stmt, 10);
      json_builder_end_object (builder);

      g_string_append_printf (markdown, "## %s · %s\n\n%s\n\n", role_label (role), when, content);
      if (g_strcmp0 (state, "interrupted") == 0)
        g_string_append_printf (markdown, "*%s*\n\n", _ ("This reply was interrupted."));
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        g_string_append_printf (markdown, "> %s\n\n", sqlite3_column_text (stmt, 8));

      (*n_messages)++;
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, db, "read messages to export");
      return FALSE;
    }
  return TRUE;
}

/* Writes the JSON to STREAM and the Markdown files, inside one read transaction. */
static gboolean
write_export (ExportData *export,
              sqlite3       *db,
              GOutputStream *stream,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr (sqlite3_stmt) conversations = NULL;
  g_autoptr (sqlite3_stmt) messages = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *now = _sam_export_format_time (g_get_real_time ());
  g_autofree char *header = NULL;
  guint            n = 0;
  int              rc;

  if (sqlite3_prepare_v2 (db,
                          "SELECT " SAM_STORE_CONVERSATION_COLUMNS " FROM conversations "
                          "WHERE deleted IS NULL ORDER BY created, id",
                          -1, &conversations, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db,
                          "SELECT " SAM_STORE_MESSAGE_COLUMNS " FROM messages "
                          "WHERE conversation_id = ?1 ORDER BY id",
                          -1, &messages, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, db, "read conversations to export");
      return FALSE;
    }

  header = g_strdup_printf ("{\n\"format\": \"%s\",\n\"version\": %d,\n\"exported\": \"%s\",\n"
                            "\"conversations\": [\n",
                            EXPORT_FORMAT, EXPORT_VERSION, now);
  if (!write_all (stream, header, strlen (header), cancellable, error))
    return FALSE;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);

  while ((rc = sqlite3_step (conversations)) == SQLITE_ROW)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (GString) markdown = g_string_new (NULL);
      g_autoptr (GFile) md_file = NULL;
      g_autofree char *json = NULL;
      g_autofree char *slug = NULL;
      g_autofree char *day = NULL;
      g_autofree char *name = NULL;
      g_autofree char *created_local = NULL;
      gint64           id = sqlite3_column_int64 (conversations, 0);
      const char      *title = (const char *) sqlite3_column_text (conversations, 2);
      gint64           created = sqlite3_column_int64 (conversations, 4);
      guint            before = export->stats.messages;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      json_builder_begin_object (builder);
      add_text_member (builder, "uuid", conversations, 1);
      add_text_member (builder, "title", conversations, 2);
      add_text_member (builder, "kind", conversations, 3);
      add_time_member (builder, "created", created);
      add_time_member (builder, "updated", sqlite3_column_int64 (conversations, 5));
      json_builder_set_member_name (builder, "pinned");
      json_builder_add_boolean_value (builder, sqlite3_column_int (conversations, 6) != 0);
      add_text_member (builder, "draft", conversations, 8);

      created_local = format_local (created);
      g_string_append_printf (markdown, "# %s\n\n",
                              title && *title ? title : _ ("Untitled conversation"));

      json_builder_set_member_name (builder, "messages");
      json_builder_begin_array (builder);
      {
        g_autoptr (GString) body = g_string_new (NULL);

        if (!export_messages (db, messages, id, builder, body, &export->stats.messages, error))
          return FALSE;

        g_string_append_printf (
            markdown,
            /* Translators: the line under an exported conversation's title: a date and time,
             * then the number of messages. */
            g_dngettext (GETTEXT_PACKAGE, "Started %s · %u message", "Started %s · %u messages",
                         export->stats.messages - before),
            created_local, export->stats.messages - before);
        g_string_append (markdown, "\n\n");
        g_string_append_len (markdown, body->str, body->len);
      }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json = json_generator_to_data (generator, NULL);
      if ((n > 0 && !write_all (stream, ",\n", 2, cancellable, error)) ||
          !write_all (stream, json, strlen (json), cancellable, error))
        return FALSE;

      slug = slugify (title ? title : "");
      day = g_strndup (created_local, 10);
      name = g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT ".md", day, slug, id);
      md_file = g_file_get_child (export->markdown_dir, name);
      if (!g_file_replace_contents (md_file, markdown->str, markdown->len, NULL, FALSE,
                                    G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, error))
        return FALSE;

      n++;
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, db, "read conversations to export");
      return FALSE;
    }
  if (!write_all (stream, "\n]\n}\n", 5, cancellable, error))
    return FALSE;

  export->stats.conversations = n;
  return TRUE;
}

static gboolean
export_worker (ExportData *export, GCancellable *cancellable, GError **error)
{
  g_autoptr (sqlite3) db = NULL;
  g_autoptr (GFile) json_file = NULL;
  g_autoptr (GFileOutputStream) stream = NULL;
  gboolean ret;

  if (!(db = _sam_store_open_connection (export->path, error)))
    return FALSE;

  if (!g_file_make_directory_with_parents (export->markdown_dir, cancellable, error))
    {
      if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        return FALSE;
      g_clear_error (error);
    }

  json_file = g_file_get_child (export->directory, "conversations.json");
  if (!(stream = g_file_replace (json_file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                 cancellable, error)))
    return FALSE;

  /* One read transaction, so the export is one consistent moment. */
  ret = _sam_store_exec (db, "BEGIN", error) &&
        write_export (export, db, G_OUTPUT_STREAM (stream), cancellable, error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

  if (ret)
    return g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, error);

  /* Closing with a cancelled cancellable leaves an earlier conversations.json untouched. */
  {
    g_autoptr (GCancellable) abort = g_cancellable_new ();

    g_cancellable_cancel (abort);
    g_output_stream_close (G_OUTPUT_STREAM (stream), abort, NULL);
  }
  return FALSE;
}

static ExportData *
export_data_new (SamStore *store, GFile *directory)
{
  ExportData *export = g_new0 (ExportData, 1);

  export->directory = g_object_ref (directory);
  export->markdown_dir = g_file_get_child (directory, "markdown");
  export->path = g_strdup (sam_store_get_path (store));
  return export;
}

/* Runs on the calling thread with a connection of its own (the command line uses this). */
gboolean
sam_export_to_directory (SamStore       *store,
                         GFile          *directory,
                         SamExportStats *stats,
                         GCancellable   *cancellable,
                         GError        **error)
{
  ExportData *export;
  gboolean ret;

  g_return_val_if_fail (SAM_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (directory), FALSE);

  export = export_data_new (store, directory);
  ret = export_worker (export, cancellable, error);
  if (ret && stats)
    *stats = export->stats;
  export_data_free (export);
  return ret;
}

static void
export_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (export_worker (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
sam_export_to_directory_async (SamStore           *store,
                               GFile              *directory,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (SAM_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (directory));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_export_to_directory_async);
  g_task_set_task_data (task, export_data_new (store, directory), export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
sam_export_to_directory_finish (SamStore       *store,
                                GAsyncResult   *result,
                                SamExportStats *stats,
                                GError        **error)
{
  ExportData *export;

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sam_export_to_directory_async,
                        FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  export = g_task_get_task_data (G_TASK (result));
  if (stats)
    *stats = export->stats;
  return TRUE;
}

int
sam_export_command_line (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (GFile) directory = g_file_new_for_commandline_arg (path);
  g_autofree char *name = g_file_get_parse_name (directory);
  g_autofree char *counts = NULL;
  SamExportStats   stats = { 0 };

  if (!(store = sam_store_new (&error)) ||
      !sam_export_to_directory (store, directory, &stats, NULL, &error))
    {
      g_printerr ("samantha: %s\n", error->message);
      return EXIT_FAILURE;
    }

  counts = _sam_describe_counts (stats.conversations, stats.messages);
  /* Translators: "Exported 3 conversations with 42 messages to “/home/me/backup”." */
  g_print (_ ("Exported %s to “%s”.\n"), counts, name);
  return EXIT_SUCCESS;
}
