/* bench-store.c — the store's benchmarks: full-text search over 100,000 messages and opening a
 * 100,000-message conversation, each against a naive baseline measured in the same run. Built
 * a second time with BENCH_POPULATE_ONLY as `bench-populate-store DIR`, which writes
 * DIR/samantha/samantha.db with 1,000 conversations and 100,000 messages (for the startup
 * benchmark, DIR is the XDG data home).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "store/sam-message-list.h"
#include "store/sam-store-private.h"
#include "store/sam-store.h"

#define N_CONVERSATIONS 1000
#define N_MESSAGES      100000
#define RUNS            15

static const char *const words[] = {
  "the",      "a",        "and",      "to",       "of",       "I",       "you",         "it",
  "that",     "is",       "in",       "was",      "for",      "on",      "with",        "we",
  "they",     "but",      "have",     "be",       "what",     "about",   "can",         "like",
  "just",     "so",       "if",       "do",       "think",    "know",    "time",        "day",
  "work",     "feel",     "really",   "today",    "tomorrow", "friend",  "morning",     "evening",
  "walk",     "coffee",   "book",     "music",    "letter",   "email",   "meeting",     "sister",
  "mother",   "garden",   "train",    "weekend",  "dinner",   "recipe",  "idea",        "plan",
  "tired",    "happy",    "worried",  "project",  "office",   "doctor",  "appointment", "birthday",
  "holiday",  "weather",  "rain",     "sunny",    "remember", "forgot",  "write",       "read",
  "call",     "message",  "answer",   "question", "because",  "maybe",   "should",      "would",
  "could",    "please",   "thanks",   "sorry",    "again",    "later",   "running",     "swimming",
  "cooking",  "painting", "learning", "French",   "piano",    "guitar",  "city",        "river",
  "mountain", "cat",      "dog",      "bread",    "apples",   "kitchen", "window",      "night",
  "sleep",
};

static char *
sentence (GRand *rand, guint min_words, guint max_words)
{
  GString *text = g_string_new (NULL);
  guint    n = g_rand_int_range (rand, min_words, max_words + 1);

  for (guint i = 0; i < n; i++)
    {
      if (i)
        g_string_append_c (text, i % 11 == 10 ? '\n' : ' ');
      g_string_append (text, words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
    }
  /* Words to search for: one message in a hundred mentions sourdough, one in five thousand
   * quinces. */
  if (g_rand_int_range (rand, 0, 100) == 0)
    g_string_append (text, " sourdough starter");
  if (g_rand_int_range (rand, 0, 5000) == 0)
    g_string_append (text, " quince jelly");
  g_string_append_c (text, '.');
  return g_string_free (text, FALSE);
}

/* N_CONVERSATIONS conversations of equal length, N_MESSAGES in all, over the last two years. */
static void
populate (SamStore *store, guint n_conversations, guint n_messages)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261124);
  g_autoptr (sqlite3_stmt) conversation = NULL;
  g_autoptr (sqlite3_stmt) message = NULL;
  sqlite3 *db = _sam_store_get_db (store);
  gint64   now = g_get_real_time ();
  gint64   start = now - 2 * 365 * G_TIME_SPAN_DAY;
  guint    per = n_messages / n_conversations;

  g_assert (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
  g_assert (sqlite3_prepare_v2 (db,
                                "INSERT INTO conversations (uuid, title, created, updated, pinned) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
                                -1, &conversation, NULL) == SQLITE_OK);
  g_assert (sqlite3_prepare_v2 (db,
                                "INSERT INTO messages (conversation_id, role, content, created, "
                                "model, finish_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                -1, &message, NULL) == SQLITE_OK);

  for (guint c = 0; c < n_conversations; c++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *title = sentence (rand, 2, 6);
      gint64           created = start + (now - start) / n_conversations * c;
      gint64           id;

      sqlite3_reset (conversation);
      sqlite3_bind_text (conversation, 1, uuid, -1, SQLITE_STATIC);
      sqlite3_bind_text (conversation, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (conversation, 3, created);
      sqlite3_bind_int64 (conversation, 4, created + per * 30 * G_USEC_PER_SEC);
      sqlite3_bind_int (conversation, 5, c % 97 == 0);
      g_assert (sqlite3_step (conversation) == SQLITE_DONE);
      id = sqlite3_last_insert_rowid (db);

      for (guint m = 0; m < per; m++)
        {
          gboolean         user = m % 2 == 0;
          g_autofree char *text = user ? sentence (rand, 4, 30) : sentence (rand, 20, 160);

          sqlite3_reset (message);
          sqlite3_bind_int64 (message, 1, id);
          sqlite3_bind_text (message, 2, user ? "user" : "assistant", -1, SQLITE_STATIC);
          sqlite3_bind_text (message, 3, text, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (message, 4, created + m * 30 * G_USEC_PER_SEC);
          if (user)
            {
              sqlite3_bind_null (message, 5);
              sqlite3_bind_null (message, 6);
            }
          else
            {
              sqlite3_bind_text (message, 5, "llama3.1:8b", -1, SQLITE_STATIC);
              sqlite3_bind_text (message, 6, "stop", -1, SQLITE_STATIC);
            }
          g_assert (sqlite3_step (message) == SQLITE_DONE);
        }
    }

  g_assert (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
  /* As the app finds it after a while: the WAL folded into the database. */
  sqlite3_exec (db, "PRAGMA wal_checkpoint (TRUNCATE)", NULL, NULL, NULL);
}

static SamStore *
open_store (const char *path)
{
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_store_new_for_path (path, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  return store;
}

#ifndef BENCH_POPULATE_ONLY
static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

#endif

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

#ifdef BENCH_POPULATE_ONLY

int
main (int argc, char *argv[])
{
  g_autoptr (SamStore) store = NULL;
  g_autofree char *path = NULL;
  gint64           start;

  if (argc != 2)
    {
      g_printerr ("usage: %s DIR  (writes DIR/samantha/samantha.db)\n", argv[0]);
      return EXIT_FAILURE;
    }

  path = g_build_filename (argv[1], "samantha", "samantha.db", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("%s exists already\n", path);
      return EXIT_FAILURE;
    }

  start = g_get_monotonic_time ();
  store = open_store (path);
  populate (store, N_CONVERSATIONS, N_MESSAGES);
  g_print ("populated %s with %u conversations / %u messages in %.1f s\n", path, N_CONVERSATIONS,
           N_MESSAGES, ms_since (start) / 1000.0);
  return EXIT_SUCCESS;
}

#else

/* What an app without an index does: scan the messages, newest first, for the words. */
static guint
like_scan (SamStore *store, const char *query)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_auto (GStrv) parts = g_strsplit (query, " ", -1);
  g_autofree char *joined = g_strjoinv ("%", parts);
  g_autofree char *pattern = g_strdup_printf ("%%%s%%", joined);
  guint            n = 0;

  g_assert (sqlite3_prepare_v2 (_sam_store_get_db (store),
                                "SELECT m.id, m.conversation_id, substr (m.content, 1, 80) "
                                "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                                "WHERE m.content LIKE ?1 AND c.deleted IS NULL "
                                "ORDER BY m.id DESC LIMIT 50",
                                -1, &stmt, NULL) == SQLITE_OK);
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    n++;
  return n;
}

static gboolean
bench_search (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "search.db", NULL);
  g_autoptr (SamStore) store = open_store (path);
  static const char *const queries[] = { "quince", "sourdough",    "coffee",
                                         "swim",   "morning walk", "the" };
  double                   fts_all[G_N_ELEMENTS (queries) * RUNS];
  double                   like_all[G_N_ELEMENTS (queries) * RUNS];
  guint                    n_fts = 0;
  guint                    n_like = 0;
  gint64                   start;

  start = g_get_monotonic_time ();
  populate (store, N_CONVERSATIONS, N_MESSAGES);
  g_print ("store: wrote %u conversations / %u messages in %.1f s\n", N_CONVERSATIONS, N_MESSAGES,
           ms_since (start) / 1000.0);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      double times[RUNS];
      double scans[RUNS];
      guint  hits = 0;

      for (guint run = 0; run < RUNS; run++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GListModel) result = NULL;

          start = g_get_monotonic_time ();
          result = sam_store_search (store, queries[q], 50, &error);
          times[run] = ms_since (start);
          g_assert_no_error (error);
          hits = g_list_model_get_n_items (result);
          fts_all[n_fts++] = times[run];
        }

      for (guint run = 0; run < RUNS; run++)
        {
          start = g_get_monotonic_time ();
          like_scan (store, queries[q]);
          scans[run] = ms_since (start);
          like_all[n_like++] = scans[run];
        }

      g_print ("store: FTS search “%s”: median %.2f ms (%u hits shown); LIKE scan %.2f ms\n",
               queries[q], median (times, RUNS), hits, median (scans, RUNS));
    }

  {
    double fts = median (fts_all, n_fts);
    double scan = median (like_all, n_like);
    double fts_worst = fts_all[n_fts - 1]; /* sorted by median () */
    double scan_worst = like_all[n_like - 1];

    /* A LIKE scan stops early on common words and reads everything for rare ones; the
     * index costs about the same for both. The slowest query is what a user waits for. */
    g_print ("store: FTS search over %u messages (the last word as a prefix, 50 newest hits with "
             "snippets): median %.2f ms, slowest %.2f ms; LIKE scan baseline: median %.2f ms, "
             "slowest %.2f ms; slowest-query ratio %.3f\n",
             N_MESSAGES, fts, fts_worst, scan, scan_worst, fts_worst / scan_worst);
  }
  return TRUE;
}

static gboolean
bench_open (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "long.db", NULL);
  g_autoptr (SamStore) store = open_store (path);
  g_autoptr (SamConversation) conversation = NULL;
  double lazy[RUNS];
  double eager[RUNS];
  double lazy_ms, eager_ms;
  gint64 start;

  populate (store, 1, N_MESSAGES);
  conversation = sam_store_get_conversation (store, 1, NULL);

  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SamMessageList) list = NULL;
      g_autoptr (GPtrArray) all = NULL;
      guint n;

      /* What the view does: open the model, then bind the last screenful of rows. */
      start = g_get_monotonic_time ();
      list = sam_message_list_new (store, conversation, &error);
      g_assert_no_error (error);
      n = g_list_model_get_n_items (G_LIST_MODEL (list));
      for (guint i = n - 30; i < n; i++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
      lazy[run] = ms_since (start);
      g_clear_object (&list);

      /* The baseline: every message as an object before the first row is shown. */
      start = g_get_monotonic_time ();
      all = sam_store_get_recent_messages (store, conversation, N_MESSAGES, &error);
      g_assert_no_error (error);
      g_assert (all->len == N_MESSAGES);
      eager[run] = ms_since (start);
    }

  lazy_ms = median (lazy, RUNS);
  eager_ms = median (eager, RUNS);
  g_print ("store: opening a %u-message conversation: median %.1f ms (budget 150.0); "
           "materialising every message: %.1f ms; ratio %.3f\n",
           N_MESSAGES, lazy_ms, eager_ms, lazy_ms / eager_ms);
  return lazy_ms < 150.0;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *command = NULL;
  gboolean         ok = TRUE;

  if (!(dir = g_dir_make_tmp ("samantha-bench-store-XXXXXX", &error)))
    g_error ("%s", error->message);

  ok &= bench_search (dir);
  ok &= bench_open (dir);

  command = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (command) != 0)
    g_printerr ("could not remove %s\n", dir);

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
