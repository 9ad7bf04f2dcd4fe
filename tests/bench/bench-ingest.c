/* bench-ingest.c — how fast the archive indexer reads a folder of mixed files, first and again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Usage: bench-ingest [N_FILES]. Writes N_FILES (default 2000) notes, pages and mails of
 * about 4 KB into a temporary folder, indexes them into a fresh store, then indexes them
 * again (all unchanged), and prints files/s and MB/s for both runs as JSON. */

#include "config.h"

#include <glib/gstdio.h>

#include "companion/sam-archive-indexer.h"
#include "store/sam-store.h"

static void
done_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static SamArchiveSummary *
run (SamArchiveIndexer *indexer, const char *folder)
{
  const char *folders[] = { folder, NULL };
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  SamArchiveSummary *summary;

  sam_archive_indexer_index_async (indexer, folders, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!(summary = sam_archive_indexer_index_finish (indexer, result, &error)))
    g_error ("%s", error->message);
  return summary;
}

int
main (int argc, char *argv[])
{
  guint            n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 2000;
  g_autofree char *root = g_dir_make_tmp ("bench-ingest-XXXXXX", NULL);
  g_autofree char *folder = g_build_filename (root, "archive", NULL);
  g_autofree char *db = g_build_filename (root, "samantha.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (SamArchiveIndexer) indexer = NULL;
  g_autoptr (SamArchiveSummary) first = NULL;
  g_autoptr (SamArchiveSummary) again = NULL;
  guint64          bytes = 0;
  g_autofree char *command = NULL;

  /* The pages and mails are read by the samantha-documents module of this build. */
  g_setenv ("SAMANTHA_MODULE_DIR", SAM_BUILD_MODULEDIR, FALSE);
  g_mkdir_with_parents (folder, 0700);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GString) body = g_string_new (NULL);
      g_autofree char *path = NULL;
      const char      *kind = i % 3 == 0 ? "txt" : i % 3 == 1 ? "html" : "eml";

      while (body->len < 4000)
        g_string_append_printf (body,
                                "Paragraph about the garden, the harbour and letter %u: the "
                                "tomatoes ripened late and the ferry left at seven.\n\n",
                                i);
      if (g_str_equal (kind, "html"))
        {
          g_string_prepend (body, "<html><body><h1>Notes</h1><p>");
          g_string_append (body, "</p></body></html>");
        }
      else if (g_str_equal (kind, "eml"))
        g_string_prepend (body, "From: a@example.org\nTo: b@example.org\n"
                                "Date: Mon, 02 Feb 2026 08:00:00 +0000\nSubject: Notes\n"
                                "Content-Type: text/plain; charset=utf-8\n\n");
      path = g_strdup_printf ("%s/%04u.%s", folder, i, kind);
      g_file_set_contents (path, body->str, body->len, NULL);
      bytes += body->len;
    }

  if (!(store = sam_store_new_for_path (db, &error)))
    g_error ("%s", error->message);
  indexer = sam_archive_indexer_new (store);
  first = run (indexer, folder);
  again = run (indexer, folder);

  g_print ("{\"files\": %u, \"megabytes\": %.1f, \"first_s\": %.3f, \"files_per_s\": %.0f, "
           "\"mb_per_s\": %.1f, \"chunks\": %u, \"again_s\": %.3f, \"again_files_per_s\": %.0f}\n",
           first->n_files, bytes / 1e6, first->elapsed / 1e6,
           first->n_files / (first->elapsed / 1e6), bytes / 1e6 / (first->elapsed / 1e6),
           first->n_chunks, again->elapsed / 1e6, again->n_unchanged / (again->elapsed / 1e6));

  g_clear_object (&indexer);
  g_clear_object (&store);
  command = g_strdup_printf ("rm -rf '%s'", root);
  return system (command) == 0 ? 0 : 1;
}
