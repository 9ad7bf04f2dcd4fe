/* test-memory.c — memory against a real SQLite store: facts, core blocks, chunks, forgetting
 * that really deletes, recall ranking and `samantha --recall`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "companion/sam-chat.h"
#include "companion/sam-memory.h"
#include "model/sam-openai-provider.h"
#include "sam-replay-server.h"
#include "sam-test-util.h"
#include "store/sam-memory-store.h"
#include "store/sam-store-private.h"

static char *
new_db_path (void)
{
  static guint counter;

  return g_strdup_printf ("%s/memory-%u.db", sam_test_init_environment (), ++counter);
}

static SamStore *
new_store (char **path_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  SamStore        *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return store;
}

static gint64
add_fact (SamStore *store, const char *text, SamFactStatus status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamFact) fact = sam_fact_new (text, "fact");

  fact->status = status;
  g_assert_true (sam_store_add_fact (store, fact, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fact->id, >, 0);
  return fact->id;
}

/* A conversation of alternating user / assistant messages, dated TIME (seconds). */
static SamConversation *
add_conversation (SamStore *store, const char *title, const char *const *texts, gint64 time)
{
  g_autoptr (GError) error = NULL;
  SamConversation *conversation =
      sam_store_create_conversation (store, title, SAM_CONVERSATION_KIND_NORMAL, &error);
  sqlite3 *db = _sam_store_get_db (store);

  g_assert_no_error (error);
  for (guint i = 0; texts[i]; i++)
    {
      g_autoptr (SamMessage) message = sam_store_append_message (
          store, conversation, i % 2 ? SAM_MESSAGE_ROLE_ASSISTANT : SAM_MESSAGE_ROLE_USER, texts[i],
          &error);
      g_autofree char *sql = NULL;

      g_assert_no_error (error);
      sql = g_strdup_printf ("UPDATE messages SET created = %" G_GINT64_FORMAT
                             " WHERE id = %" G_GINT64_FORMAT,
                             (time + i * 30) * G_USEC_PER_SEC, sam_message_get_id (message));
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  return conversation;
}

static GPtrArray *
recall (SamStore *store, const char *query, gint64 exclude)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *hits = sam_memory_recall (store, query, 10, exclude, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  return hits;
}

static int
find_hit (GPtrArray *hits, const char *needle)
{
  for (guint i = 0; i < hits->len; i++)
    {
      SamRecallHit *hit = g_ptr_array_index (hits, i);
      if (strstr (hit->text, needle))
        return (int) i;
    }
  return -1;
}

static void
test_query_terms (void)
{
  g_autoptr (GArray) months = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) years = g_array_new (FALSE, FALSE, sizeof (int));
  g_auto (GStrv) terms = sam_memory_query_terms (
      "When did Anna’s sister go camping in July 2023? Camping!", months, years);
  const char *expected[] = { "anna", "sister", "go", "camping", NULL };
  g_auto (GStrv) empty = sam_memory_query_terms ("what is it that you were?", NULL, NULL);
  g_auto (GStrv) german =
      sam_memory_query_terms ("Wann hat Jonas seinen Hund im Mai bekommen?", months, NULL);

  g_assert_cmpstrv (terms, expected);
  g_assert_cmpuint (years->len, ==, 1);
  g_assert_cmpint (g_array_index (years, int, 0), ==, 2023);
  g_assert_cmpuint (months->len, ==, 2);
  g_assert_cmpint (g_array_index (months, int, 0), ==, 7);
  g_assert_cmpint (g_array_index (months, int, 1), ==, 5);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  g_assert_true (g_strv_contains ((const char *const *) german, "hund"));
  {
    /* "may" the verb is neither a term nor a month; "8 May" is a date. */
    g_autoptr (GArray) verb_months = g_array_new (FALSE, FALSE, sizeof (int));
    g_auto (GStrv) verb = sam_memory_query_terms ("What may Anna enjoy?", verb_months, NULL);
    g_auto (GStrv) date = sam_memory_query_terms ("Anna on 8 May", verb_months, NULL);
    const char *anna[] = { "anna", "enjoy", NULL };

    g_assert_cmpstrv (verb, anna);
    g_assert_cmpuint (verb_months->len, ==, 1);
    g_assert_cmpint (g_array_index (verb_months, int, 0), ==, 5);
    g_assert_true (g_strv_contains ((const char *const *) date, "8"));
  }
  g_assert_false (g_strv_contains ((const char *const *) german, "im"));
}

static void
test_facts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store (NULL);
  g_autoptr (GPtrArray) current = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (SamFact) fact = NULL;
  g_autoptr (SamFact) blank = sam_fact_new ("   ", NULL);
  gint64 old_job, new_job, secret;

  old_job = add_fact (store, "The user works as a nurse in Lyon", SAM_FACT_STATUS_APPROVED);
  new_job = add_fact (store, "The user works as a teacher in Lyon since March 2024",
                      SAM_FACT_STATUS_APPROVED);
  secret = add_fact (store, "The user takes sertraline", SAM_FACT_STATUS_PENDING_REVIEW);

  g_assert_false (sam_store_add_fact (store, blank, &error));
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Contradicted: no longer valid, still kept, pointing at what replaced it. */
  g_assert_true (sam_store_invalidate_fact (store, old_job, new_job, -1, &error));
  fact = sam_store_get_fact (store, old_job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fact->invalidated_by, ==, new_job);
  g_assert_cmpint (fact->valid_to, >, 0);

  current = sam_store_list_facts (store, SAM_FACT_FILTER_CURRENT, &error);
  g_assert_cmpuint (current->len, ==, 1);
  g_assert_cmpint (((SamFact *) g_ptr_array_index (current, 0))->id, ==, new_job);
  pending = sam_store_list_facts (store, SAM_FACT_FILTER_PENDING, &error);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpint (((SamFact *) g_ptr_array_index (pending, 0))->id, ==, secret);
  all = sam_store_list_facts (store, SAM_FACT_FILTER_ALL, &error);
  g_assert_cmpuint (all->len, ==, 3);

  /* Recall uses only approved, valid facts. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "Where does the user work?", 0);
    g_assert_cmpint (find_hit (hits, "teacher"), ==, 0);
    g_assert_cmpint (find_hit (hits, "nurse"), ==, -1);
  }
  {
    g_autoptr (GPtrArray) hits = recall (store, "sertraline", 0);
    g_assert_cmpuint (hits->len, ==, 0);
  }
  g_assert_true (sam_store_set_fact_status (store, secret, SAM_FACT_STATUS_APPROVED, &error));
  {
    g_autoptr (GPtrArray) hits = recall (store, "sertraline", 0);
    g_assert_cmpuint (hits->len, ==, 1);
  }

  /* Edits reach the index. */
  g_assert_true (sam_store_set_fact_text (store, new_job, "The user teaches maths", &error));
  {
    g_autoptr (GPtrArray) hits = recall (store, "maths", 0);
    g_autoptr (GPtrArray) gone = recall (store, "Lyon", 0);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpuint (gone->len, ==, 0);
  }
  g_assert_true (sam_store_set_fact_pinned (store, new_job, TRUE, &error));
  g_clear_pointer (&fact, sam_fact_free);
  fact = sam_store_get_fact (store, new_job, &error);
  g_assert_true (fact->pinned);

  g_assert_false (sam_store_set_fact_pinned (store, 999, TRUE, &error));
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND);
}

static void
test_core_blocks (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store (NULL);
  g_autofree char *empty = sam_store_dup_core_block (store, "user", &error);
  g_autofree char *user = NULL;
  g_autofree char *bad = NULL;

  g_assert_cmpstr (empty, ==, "");
  g_assert_true (
      sam_store_set_core_block (store, "user", "Call them Sam. Lives in Ghent.", &error));
  g_assert_true (
      sam_store_set_core_block (store, "user", "Call them Sam. Lives in Bruges.", &error));
  user = sam_store_dup_core_block (store, "user", &error);
  g_assert_cmpstr (user, ==, "Call them Sam. Lives in Bruges.");
  bad = sam_store_dup_core_block (store, "secrets", &error);
  g_assert_null (bad);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID);
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize            length = 0;

  if (!g_file_get_contents (path, &data, &length, NULL))
    return FALSE;
  /* The file has NUL bytes: no strstr. */
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (data + i, needle, strlen (needle)) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
stored_anywhere (const char *path, const char *needle)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  return file_contains (path, needle) || file_contains (wal, needle);
}

static guint
count_index (SamStore *store, const char *table, const char *word)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *sql =
      g_strdup_printf ("SELECT count(*) FROM %s WHERE %s MATCH ?1", table, table);
  guint count;

  g_assert_cmpint (sqlite3_prepare_v2 (_sam_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_text (stmt, 1, word, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  return count;
}

/* Forget removes the row, the index entries and the bytes on disk. */
static void
test_forget_really_deletes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (SamStore) store = new_store (&path);
  gint64 keep, forget;

  keep = add_fact (store, "The user plays the bassoon", SAM_FACT_STATUS_APPROVED);
  forget =
      add_fact (store, "The user's secret nickname is Quokkazanzibar", SAM_FACT_STATUS_APPROVED);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("Filler memory number %u about gardening", i);
      add_fact (store, text, SAM_FACT_STATUS_APPROVED);
    }
  g_assert_cmpuint (count_index (store, "memory_facts_fts", "quokkazanzibar"), ==, 1);
  g_assert_true (sam_store_forget_fact (store, forget, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (count_index (store, "memory_facts_fts", "quokkazanzibar"), ==, 0);
  g_assert_null (sam_store_get_fact (store, forget, &error));
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (stored_anywhere (path, "Quokkazanzibar"));
  g_assert_false (stored_anywhere (path, "quokkazanzibar"));
  g_assert_true (stored_anywhere (path, "bassoon"));
  {
    g_autoptr (GPtrArray) hits = recall (store, "bassoon", 0);
    g_assert_cmpuint (hits->len, ==, 1);
  }
  g_assert_cmpint (keep, >, 0);

  /* Forget everything: facts, blocks, chunks, their indexes, their bytes. */
  g_assert_true (
      sam_store_set_core_block (store, "relationship", "Friends since the Wombatfair", &error));
  g_assert_cmpint (sam_store_add_chunk (store, "/home/u/notes.md", 0,
                                        "Minutes of the Narwhalcouncil meeting", -1, &error),
                   >, 0);
  g_assert_cmpuint (count_index (store, "archive_chunks_fts", "narwhalcouncil"), ==, 1);
  g_assert_true (sam_store_forget_all_memories (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_index (store, "memory_facts_fts", "bassoon"), ==, 0);
  g_assert_cmpuint (count_index (store, "archive_chunks_fts", "narwhalcouncil"), ==, 0);
  g_assert_false (stored_anywhere (path, "bassoon"));
  g_assert_false (stored_anywhere (path, "Wombatfair"));
  g_assert_false (stored_anywhere (path, "Narwhalcouncil"));
  {
    g_autoptr (GPtrArray) facts = sam_store_list_facts (store, SAM_FACT_FILTER_ALL, &error);
    g_autofree char *block = sam_store_dup_core_block (store, "relationship", &error);
    g_assert_cmpuint (facts->len, ==, 0);
    g_assert_cmpstr (block, ==, "");
  }
}

static const char *const camping[] = {
  "Hey, how was your weekend?",
  "Quiet. We went camping with the kids near the lake two weeks ago.",
  "That sounds lovely. What did you do there?",
  "We roasted marshmallows and watched the stars. The kids loved it.",
  NULL,
};
static const char *const pottery[] = {
  "I signed up for a pottery class on Tuesdays.",
  "Great! What will you make first?",
  "A bowl for my mum, she collects them.",
  "She will love a handmade bowl.",
  NULL,
};
static const char *const work[] = {
  "Work is hectic, the quarterly report is due.",
  "Break it into small parts and start with the numbers.",
  "Good idea, the kids keep me busy too.",
  "Take care of yourself.",
  NULL,
};

static void
test_recall_ranking (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store (NULL);
  /* 2023-07-15 and 2023-09-10 (UTC). */
  g_autoptr (SamConversation) july = add_conversation (store, "Weekend", camping, 1689400000);
  g_autoptr (SamConversation) september = add_conversation (store, "Pottery", pottery, 1694300000);
  g_autoptr (SamConversation) october = add_conversation (store, "Work", work, 1697000000);
  SamRecallHit *hit;

  /* A question in plain words: stop words and "do" do not make it fail (no AND). */
  {
    g_autoptr (GPtrArray) hits = recall (store, "What did the kids do at the lake?", 0);
    g_assert_cmpint (find_hit (hits, "camping with the kids near the lake"), ==, 0);
    hit = g_ptr_array_index (hits, 0);
    g_assert_cmpstr (hit->kind, ==, "message");
    g_assert_cmpstr (hit->conversation_title, ==, "Weekend");
    g_assert_cmpint (hit->time, ==, (gint64) 1689400030 * G_USEC_PER_SEC);
  }

  /* The turns up to two away from the one that names the subject come up too, though they
   * share no word with the question: an answer often sits there. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "camping trip", 0);
    g_assert_cmpint (find_hit (hits, "camping with the kids"), ==, 0);
    g_assert_cmpint (find_hit (hits, "What did you do there?"), >, 0);
    g_assert_cmpint (find_hit (hits, "how was your weekend"), >, 0);
    g_assert_cmpint (find_hit (hits, "roasted marshmallows"), >, 0);
    g_assert_cmpuint (hits->len, ==, 4);
  }

  /* Prefixes and stems: "potter" finds pottery; a possessive finds the name. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "mum's bowl", 0);
    g_assert_cmpint (find_hit (hits, "bowl for my mum"), ==, 0);
  }

  /* A date in the question prefers what was said then: the kids in July, not October. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "kids in July", 0);
    hit = g_ptr_array_index (hits, 0);
    g_assert_cmpstr (hit->conversation_title, ==, "Weekend");
  }
  {
    g_autoptr (GPtrArray) hits = recall (store, "kids in October", 0);
    hit = g_ptr_array_index (hits, 0);
    g_assert_cmpstr (hit->conversation_title, ==, "Work");
  }

  /* The conversation under way is left out; deleted and temporary ones too. */
  {
    g_autoptr (GPtrArray) hits =
        recall (store, "pottery class", sam_conversation_get_id (september));
    g_assert_cmpint (find_hit (hits, "pottery"), ==, -1);
  }
  g_assert_true (sam_store_delete_conversation (store, october, &error));
  {
    g_autoptr (GPtrArray) hits = recall (store, "quarterly report", 0);
    g_assert_cmpuint (hits->len, ==, 0);
  }

  /* Facts, messages and chunks are fused: each source's best is near the top. */
  add_fact (store, "The user's mum collects bowls", SAM_FACT_STATUS_APPROVED);
  g_assert_cmpint (sam_store_add_chunk (store, "/home/u/letters/mum.txt", 0,
                                        "Dear mum, the bowl is almost finished.", -1, &error),
                   >, 0);
  {
    g_autoptr (GPtrArray) hits = recall (store, "bowl for mum", 0);
    gboolean seen[3] = { FALSE, FALSE, FALSE };

    g_assert_cmpuint (hits->len, >=, 3);
    for (guint i = 0; i < 3; i++)
      seen[((SamRecallHit *) g_ptr_array_index (hits, i))->source] = TRUE;
    g_assert_true (seen[SAM_MEMORY_SOURCE_FACT] && seen[SAM_MEMORY_SOURCE_MESSAGE] &&
                   seen[SAM_MEMORY_SOURCE_CHUNK]);
    hit = g_ptr_array_index (hits, 0);
    g_assert_cmpstr (hit->kind, ==, "fact");
  }

  /* For the prompt: dated lines with their source. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "bowl for mum", 0);
    g_autofree char *block = sam_memory_format_for_prompt (hits, 2000);

    g_assert_nonnull (strstr (block, "- [20"));
    g_assert_nonnull (strstr (block, "(from the file /home/u/letters/mum.txt)"));
    g_assert_nonnull (strstr (block, "(conversation “Pottery”)"));
    g_assert_null (sam_memory_format_for_prompt (NULL, 2000));
  }
}

/* Words with more matches than recall ranks one by one (500) in a source: a word
 * in most rows ("user", "garden" here) does not crowd out a rare one, and two common words
 * still find an old fact that holds both. */
static void
test_recall_common_words (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store (NULL);
  g_autoptr (GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
  sqlite3 *db = _sam_store_get_db (store);
  SamFact *fact;

  /* The oldest facts, among 3,300 newer ones that drown each of their words. */
  fact = sam_fact_new ("The user's friend Maria lives in Lyon.", "fact");
  fact->importance = 0.1;
  g_ptr_array_add (facts, fact);
  fact = sam_fact_new ("On Sundays the user plays the oboe in a quartet with three friends "
                       "from the old orchestra, mostly Haydn and a little Mozart.",
                       "fact");
  fact->importance = 0.1;
  g_ptr_array_add (facts, fact);
  for (guint i = 0; i < 3300; i++)
    {
      g_autofree char *text = NULL;

      if (i % 6 == 0)
        text = g_strdup_printf ("The user's friend Maria bought bread %u.", i);
      else if (i % 6 == 1)
        text = g_strdup_printf ("The user's neighbour Tom lives in Oslo %u.", i);
      else
        text = g_strdup_printf ("The user worked in the garden %u.", i);
      fact = sam_fact_new (text, "fact");
      fact->importance = 1.0;
      g_ptr_array_add (facts, fact);
    }
  g_assert_true (sam_store_add_facts (store, facts, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sam_store_add_chunk (store, "/home/u/music.txt", 0,
                                        "Notes on the oboe reed I cut last winter, and how it "
                                        "sounded in the cold church.",
                                        -1, &error),
                   >, 0);
  for (guint i = 0; i < 1200; i++)
    {
      g_autofree char *path = g_strdup_printf ("/home/u/garden/%u.txt", i);

      g_assert_cmpint (
          sam_store_add_chunk (store, path, 0, "Garden diary: watered the beans.", -1, &error), >,
          0);
    }
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_no_error (error);

  /* The rare word wins over words in every row, in facts and in chunks: both come first. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "Does the user play the oboe in the garden?", 0);

    g_assert_cmpuint (hits->len, >=, 2);
    g_assert_cmpint (find_hit (hits, "plays the oboe"), <, 2);
    g_assert_cmpint (find_hit (hits, "oboe reed"), <, 2);
  }

  /* Two common words (551 matches each): the old fact that has both is found first. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "Where does Maria live?", 0);

    g_assert_cmpuint (hits->len, >, 0);
    g_assert_cmpint (find_hit (hits, "Maria lives in Lyon"), ==, 0);
  }

  /* The same among messages: an old message with two common words. */
  {
    g_autoptr (SamConversation) conversation =
        sam_store_create_conversation (store, "Chat", SAM_CONVERSATION_KIND_NORMAL, &error);
    g_autoptr (sqlite3_stmt) insert = NULL;
    g_autoptr (GPtrArray) hits = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "INSERT INTO messages (conversation_id, role, content, "
                                         "created) VALUES (?1, 'user', ?2, ?3)",
                                         -1, &insert, NULL),
                     ==, SQLITE_OK);
    for (int i = -1; i < 1650; i++)
      {
        g_autofree char *text = NULL;

        if (i < 0)
          text = g_strdup ("Maria moved last year and now lives in Lyon, near the river.");
        else if (i % 3 == 0)
          text = g_strdup_printf ("Maria baked bread again %d.", i);
        else if (i % 3 == 1)
          text = g_strdup_printf ("Tom lives in Oslo and rows %d.", i);
        else
          text = g_strdup_printf ("I worked in the garden %d.", i);
        sqlite3_reset (insert);
        sqlite3_bind_int64 (insert, 1, sam_conversation_get_id (conversation));
        sqlite3_bind_text (insert, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (insert, 3, (1600000000 + (gint64) i * 60) * G_USEC_PER_SEC);
        g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      }
    g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);

    hits = recall (store, "Where does Maria live?", 0);
    g_assert_cmpint (find_hit (hits, "Maria moved"), >=, 0);
    g_assert_cmpint (find_hit (hits, "Maria moved"), <, 3);
  }

  /* Only very common words: they are still looked for. */
  {
    g_autoptr (GPtrArray) hits = recall (store, "garden", 0);
    SamRecallHit *hit;

    g_assert_cmpuint (hits->len, ==, 10);
    hit = g_ptr_array_index (hits, 0);
    g_assert_nonnull (strstr (hit->text, "arden"));
  }
}

/* How a conversation is shaped bears on recall: the reply to a question, who speaks, the
 * conversation as a whole, the day. Each case is built so that without the rule the other
 * message would win (it is shorter or newer). */
static void
test_recall_conversation_shape (void)
{
  /* The reply to a question that names the subject is its answer. */
  {
    static const char *const asked[] = {
      "Do you still go running with your dad on weekends?",
      "Yes, three times a week.",
      NULL,
    };
    static const char *const told[] = {
      "I went running with my dad.",
      "That sounds nice.",
      NULL,
    };
    g_autoptr (SamStore) store = new_store (NULL);
    g_autoptr (SamConversation) first = add_conversation (store, "Asked", asked, 1689400000);
    g_autoptr (SamConversation) second = add_conversation (store, "Told", told, 1689500000);
    g_autoptr (GPtrArray) hits = recall (store, "running with dad", 0);

    g_assert_cmpint (find_hit (hits, "three times a week"), >=, 0);
    g_assert_cmpint (find_hit (hits, "three times a week"), <, find_hit (hits, "sounds nice"));
  }

  /* A message labelled with the name of its speaker ("Anna: …") is what that person said. */
  {
    static const char *const transcript[] = {
      "Anna: I painted a horse in the old barn yesterday afternoon.",
      "Ben: Anna, I painted a lake.",
      NULL,
    };
    g_autoptr (SamStore) store = new_store (NULL);
    g_autoptr (SamConversation) conversation =
        add_conversation (store, "Painting", transcript, 1689400000);
    g_autoptr (GPtrArray) hits = recall (store, "What did Anna paint?", 0);

    g_assert_cmpint (find_hit (hits, "a horse"), ==, 0);
    g_assert_cmpint (find_hit (hits, "a lake"), ==, 1);
  }

  /* The conversation that talks about more of the question lifts its messages. */
  {
    static const char *const class[] = {
      "The glaze on my vase cracked in the kiln again last night.",
      "Oh no.",
      "Anyway.",
      "Let us talk about dinner.",
      "Pasta sounds good.",
      "My pottery teacher says it takes practice.",
      NULL,
    };
    static const char *const shop[] = {
      "The glaze is blue.",
      "Nice.",
      NULL,
    };
    g_autoptr (SamStore) store = new_store (NULL);
    g_autoptr (SamConversation) first = add_conversation (store, "Class", class, 1689400000);
    g_autoptr (SamConversation) second = add_conversation (store, "Shop", shop, 1689500000);
    g_autoptr (GPtrArray) hits = recall (store, "glaze pottery teacher", 0);

    g_assert_cmpint (find_hit (hits, "vase cracked"), >=, 0);
    g_assert_cmpint (find_hit (hits, "vase cracked"), <, find_hit (hits, "glaze is blue"));
  }

  /* A "when" question prefers the messages that tell a time. */
  {
    static const char *const told[] = {
      "We adopted our dog from the shelter in the city last Friday.",
      NULL,
    };
    static const char *const mused[] = { "Adopting a dog is a big step.", NULL };
    g_autoptr (SamStore) store = new_store (NULL);
    g_autoptr (SamConversation) first = add_conversation (store, "Told", told, 1689400000);
    g_autoptr (SamConversation) second = add_conversation (store, "Mused", mused, 1689500000);

    {
      g_autoptr (GPtrArray) hits = recall (store, "When did they adopt the dog?", 0);
      g_assert_cmpint (find_hit (hits, "last Friday"), ==, 0);
    }
    {
      g_autoptr (GPtrArray) hits = recall (store, "Did they adopt the dog?", 0);
      g_assert_cmpint (find_hit (hits, "big step"), ==, 0);
    }
  }

  /* A day in the question ("on 15 July", "July 15th") prefers what was said that day. */
  {
    static const char *const early[] = { "I baked an apple pie for the neighbours.", NULL };
    static const char *const later[] = { "I baked bread.", NULL };
    g_autoptr (SamStore) store = new_store (NULL);
    /* 2023-07-15 and 2023-07-20 (UTC). */
    g_autoptr (SamConversation) first = add_conversation (store, "Pie", early, 1689400000);
    g_autoptr (SamConversation) second = add_conversation (store, "Bread", later, 1689850000);

    {
      g_autoptr (GPtrArray) hits = recall (store, "What did I bake on 15 July, 2023?", 0);
      g_assert_cmpint (find_hit (hits, "apple pie"), ==, 0);
    }
    {
      g_autoptr (GPtrArray) hits = recall (store, "What did I bake on July 15th?", 0);
      g_assert_cmpint (find_hit (hits, "apple pie"), ==, 0);
    }
    {
      g_autoptr (GPtrArray) hits = recall (store, "What did I bake in July?", 0);
      g_assert_cmpint (find_hit (hits, "bread"), ==, 0);
    }
  }
}

/* `samantha --recall` prints JSON lines; `--recall -` answers one query per input line. */
static void
test_command_line (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = sam_store_dup_default_path ();
  const char      *exe = g_getenv ("SAMANTHA_EXE");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  int status;

  {
    g_autoptr (SamStore) store = sam_store_new (&error);
    g_autoptr (SamConversation) conversation = NULL;

    g_assert_no_error (error);
    conversation = add_conversation (store, "Pottery", pottery, 1694300000);
  }

  {
    const char *argv[] = { exe, "--recall", "When is the pottery class?", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    lines = g_strsplit (g_strchomp (out), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), >=, 1);
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_true (json_parser_load_from_data (parser, lines[0], -1, &error));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "message");
      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                       "I signed up for a pottery class on Tuesdays.");
      g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "Pottery");
      g_assert_cmpstr (json_object_get_string_member (object, "timestamp"), ==,
                       "2023-09-09T22:53:20Z");
      g_assert_true (json_object_get_double_member (object, "score") > 0);
    }
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  {
    const char *argv[] = { "/bin/sh", "-c",
                           "printf 'pottery\\nnothing matches zzzqx\\nbowl\\n' | \"$0\" --recall -",
                           exe, NULL };
    gboolean    saw[3] = { FALSE, FALSE, FALSE };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_clear_pointer (&lines, g_strfreev);
    lines = g_strsplit (g_strchomp (out), "\n", -1);
    for (guint i = 0; lines[i]; i++)
      {
        g_autoptr (JsonParser) parser = json_parser_new ();
        gint64 query;

        g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
        query = json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)),
                                            "query");
        g_assert_cmpint (query, >=, 0);
        g_assert_cmpint (query, <, 3);
        saw[query] = TRUE;
      }
    g_assert_true (saw[0] && !saw[1] && saw[2]);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  {
    const char *argv[] = { exe, "--recall", "  ", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, "--recall"));
  }
  g_assert_nonnull (path);
}

static void
reply_finished_cb (SamChat *chat, SamMessage *reply, const GError *error, gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* The request of one turn in CONVERSATION, as the replay server received it. */
static char *
turn_request (SamStore *store, SamConversation *conversation, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-stream-basic.sse");
  g_autoptr (SamProvider) provider =
      sam_openai_provider_new (sam_replay_server_get_url (server), "sk-test", "gpt-test");
  g_autoptr (SamChat) chat = sam_chat_new (store, conversation, &error);
  GBytes  *sent;
  gboolean finished = FALSE;

  g_assert_no_error (error);
  sam_replay_server_queue_stream (server, "text/event-stream", body, SAM_REPLAY_WHOLE, 0);
  sam_chat_set_provider (chat, provider);
  g_signal_connect (chat, "reply-finished", G_CALLBACK (reply_finished_cb), &finished);
  g_assert_true (sam_chat_send (chat, text, &error));
  g_assert_no_error (error);
  while (!finished)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 1);
  sent = sam_replay_server_get_request (server, 0)->body;
  return g_strndup (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
}

/* A turn's system prompt carries what recall found in other conversations, dated, with its
 * source; a temporary conversation remembers nothing. */
static void
test_memory_in_turn (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store (NULL);
  g_autoptr (SamConversation) earlier = add_conversation (store, "Pottery", pottery, 1694300000);
  g_autoptr (SamConversation) now = NULL;
  g_autoptr (SamConversation) temporary = NULL;
  g_autofree char *request = NULL;
  g_autofree char *temporary_request = NULL;

  now = sam_store_create_conversation (store, "Today", SAM_CONVERSATION_KIND_NORMAL, &error);
  request = turn_request (store, now, "Remind me, which day is my pottery class?");
  g_assert_nonnull (strstr (request, "What you remember about the user"));
  g_assert_nonnull (strstr (request, "- [2023-09-"));
  g_assert_nonnull (strstr (request, "I signed up for a pottery class on Tuesdays."));
  g_assert_nonnull (strstr (request, "(conversation “Pottery”)"));

  temporary = sam_store_create_conversation (store, "", SAM_CONVERSATION_KIND_TEMPORARY, &error);
  temporary_request = turn_request (store, temporary, "Remind me, which day is my pottery class?");
  g_assert_null (strstr (temporary_request, "pottery class on Tuesdays"));
  g_assert_null (strstr (temporary_request, "What you remember about the user"));
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/memory/query-terms", test_query_terms);
  g_test_add_func ("/memory/facts", test_facts);
  g_test_add_func ("/memory/core-blocks", test_core_blocks);
  g_test_add_func ("/memory/forget-really-deletes", test_forget_really_deletes);
  g_test_add_func ("/memory/recall-ranking", test_recall_ranking);
  g_test_add_func ("/memory/recall-conversation-shape", test_recall_conversation_shape);
  g_test_add_func ("/memory/recall-common-words", test_recall_common_words);
  g_test_add_func ("/memory/command-line", test_command_line);
  g_test_add_func ("/memory/memory-in-turn", test_memory_in_turn);

  return g_test_run ();
}
