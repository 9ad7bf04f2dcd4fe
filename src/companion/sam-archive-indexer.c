/* sam-archive-indexer.c — reads the folders the user chose, in the background, into memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-archive-indexer.h"

#include <glib/gi18n.h>

#include "companion/sam-document.h"
#include "store/sam-archive-db.h"
#include "store/sam-memory-store.h"

/* About 1,000 characters: a few paragraphs, enough context for recall to quote. */
#define CHUNK_CHARS 1000
/* What the fact extractor reads of one document: its beginning says what it is about. */
#define INFER_CHARS 8000
/* Deeper than anyone files by hand; a guard against endless trees. */
#define MAX_DEPTH 64

struct _SamArchiveIndexer
{
  GObject parent_instance;

  SamStore          *store;
  SamFactExtractor  *extractor;
  SamArchiveSummary *summary;
  GCancellable      *cancellable; /* of the run under way */
  gulong             cancelled_id;
  GCancellable      *caller_cancellable;

  guint    run; /* counts runs, so late progress of an old one is ignored */
  gboolean running;
  double   fraction;
  char    *current_file;
  guint    n_files;
  guint    n_done;
  guint    n_failed;
  guint    n_set_aside;
};

G_DEFINE_FINAL_TYPE (SamArchiveIndexer, sam_archive_indexer, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_EXTRACTOR,
  PROP_RUNNING,
  PROP_FRACTION,
  PROP_CURRENT_FILE,
  PROP_N_FILES,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_N_SET_ASIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Summary */

static SamArchiveProblem *
problem_new (const char *path, const char *title, const char *reason)
{
  SamArchiveProblem *problem = g_new0 (SamArchiveProblem, 1);

  problem->path = g_strdup (path);
  problem->title = title && *title ? g_strdup (title) : NULL;
  problem->reason = g_strdup (reason);
  return problem;
}

static void
problem_free (SamArchiveProblem *problem)
{
  g_free (problem->path);
  g_free (problem->title);
  g_free (problem->reason);
  g_free (problem);
}

static SamArchiveSummary *
summary_new (void)
{
  SamArchiveSummary *summary = g_new0 (SamArchiveSummary, 1);

  summary->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  summary->set_aside = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  return summary;
}

static void
copy_problems (GPtrArray *to, GPtrArray *from)
{
  for (guint i = 0; i < from->len; i++)
    {
      SamArchiveProblem *problem = g_ptr_array_index (from, i);

      g_ptr_array_add (to, problem_new (problem->path, problem->title, problem->reason));
    }
}

SamArchiveSummary *
sam_archive_summary_copy (const SamArchiveSummary *summary)
{
  SamArchiveSummary *copy = summary_new ();
  GPtrArray         *failed = copy->failed;
  GPtrArray         *set_aside = copy->set_aside;

  *copy = *summary;
  copy->failed = failed;
  copy->set_aside = set_aside;
  copy->infer_error = g_strdup (summary->infer_error);
  copy_problems (copy->failed, summary->failed);
  copy_problems (copy->set_aside, summary->set_aside);
  return copy;
}

void
sam_archive_summary_free (SamArchiveSummary *summary)
{
  if (summary == NULL)
    return;
  g_ptr_array_unref (summary->failed);
  g_ptr_array_unref (summary->set_aside);
  g_free (summary->infer_error);
  g_free (summary);
}

G_DEFINE_BOXED_TYPE (SamArchiveSummary,
                     sam_archive_summary,
                     sam_archive_summary_copy,
                     sam_archive_summary_free)

/* One run */

typedef struct
{
  char  *path;
  gint64 when;
  char  *text;
} Inference;

static void
inference_free (Inference *inference)
{
  g_free (inference->path);
  g_free (inference->text);
  g_free (inference);
}

typedef struct
{
  char             **folders;
  char              *db_path;
  GMainContext      *context;
  SamArchiveSummary *summary;
  GPtrArray         *inferences; /* Inference, filled by the thread, read after it */
  guint              next_inference;
  guint              n_done; /* files the thread got through */
  gint64             started;
  guint              run;
} Job;

static void
job_free (Job *job)
{
  g_strfreev (job->folders);
  g_free (job->db_path);
  g_main_context_unref (job->context);
  sam_archive_summary_free (job->summary);
  g_ptr_array_unref (job->inferences);
  g_free (job);
}

typedef struct
{
  SamArchiveIndexer *self;
  guint              run;
  guint              n_files;
  guint              n_done;
  guint              n_failed;
  guint              n_set_aside;
  double             fraction;
  char              *current_file;
} Progress;

static void
progress_free (Progress *progress)
{
  g_object_unref (progress->self);
  g_free (progress->current_file);
  g_free (progress);
}

static void
set_uint (SamArchiveIndexer *self, guint *field, guint value, int prop)
{
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
    }
}

static void
set_progress (SamArchiveIndexer *self,
              guint              n_files,
              guint              n_done,
              guint              n_failed,
              guint              n_set_aside,
              double             fraction,
              const char        *current_file)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_uint (self, &self->n_files, n_files, PROP_N_FILES);
  set_uint (self, &self->n_done, n_done, PROP_N_DONE);
  set_uint (self, &self->n_failed, n_failed, PROP_N_FAILED);
  set_uint (self, &self->n_set_aside, n_set_aside, PROP_N_SET_ASIDE);
  if (self->fraction != fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (g_strcmp0 (self->current_file, current_file) != 0)
    {
      g_free (self->current_file);
      self->current_file = g_strdup (current_file);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_FILE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
apply_progress (gpointer data)
{
  Progress *progress = data;

  if (progress->self->running && progress->self->run == progress->run)
    set_progress (progress->self, progress->n_files, progress->n_done, progress->n_failed,
                  progress->n_set_aside, progress->fraction, progress->current_file);
  return G_SOURCE_REMOVE;
}

static void
post_progress (SamArchiveIndexer *self, Job *job, guint n_done, const char *current_file)
{
  Progress          *progress = g_new0 (Progress, 1);
  SamArchiveSummary *summary = job->summary;

  progress->self = g_object_ref (self);
  progress->run = job->run;
  progress->n_files = summary->n_files;
  progress->n_done = n_done;
  progress->n_failed = summary->n_failed;
  progress->n_set_aside = summary->n_set_aside;
  progress->fraction = summary->n_files ? (double) n_done / summary->n_files : 0.0;
  progress->current_file = g_strdup (current_file);
  g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, apply_progress, progress,
                              (GDestroyNotify) progress_free);
}

/* The walk */

typedef struct
{
  GFile *file;
  char  *path;
  gint64 modified;
  gint64 size;
} Entry;

static void
entry_free (Entry *entry)
{
  g_object_unref (entry->file);
  g_free (entry->path);
  g_free (entry);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *ea = *(const Entry **) a;
  const Entry *eb = *(const Entry **) b;

  return strcmp (ea->path, eb->path);
}

#define WALK_ATTRIBUTES                                                      \
  G_FILE_ATTRIBUTE_STANDARD_NAME                                             \
  "," G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_IS_HIDDEN \
  "," G_FILE_ATTRIBUTE_TIME_MODIFIED "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC \
  "," G_FILE_ATTRIBUTE_ID_FILE "," G_FILE_ATTRIBUTE_STANDARD_SIZE

static gint64
modified_of (GFileInfo *info)
{
  return (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) *
             G_USEC_PER_SEC +
         g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
}

static void
walk (GFile        *folder,
      GFileInfo    *folder_info,
      guint         depth,
      GHashTable   *visited,
      GPtrArray    *entries,
      Job          *job,
      GCancellable *cancellable)
{
  g_autoptr (GFileEnumerator) enumerator = NULL;
  g_autoptr (GError) error = NULL;
  const char *id = g_file_info_get_attribute_string (folder_info, G_FILE_ATTRIBUTE_ID_FILE);

  /* A link back up the tree is followed once, not forever. */
  if (id)
    {
      if (g_hash_table_contains (visited, id))
        return;
      g_hash_table_add (visited, g_strdup (id));
    }
  if (depth > MAX_DEPTH)
    return;

  if (!(enumerator = g_file_enumerate_children (folder, WALK_ATTRIBUTES, G_FILE_QUERY_INFO_NONE,
                                                cancellable, &error)))
    {
      g_autofree char *path = g_file_get_path (folder);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *reason =
              g_strdup_printf (_ ("Samantha could not open this folder: %s"), error->message);

          g_ptr_array_add (job->summary->failed, problem_new (path, NULL, reason));
          job->summary->n_failed++;
        }
      return;
    }

  while (!g_cancellable_is_cancelled (cancellable))
    {
      GFileInfo *info = NULL;
      GFile     *child = NULL;

      if (!g_file_enumerator_iterate (enumerator, &info, &child, cancellable, NULL) || !info)
        break;
      if (g_file_info_get_is_hidden (info))
        continue;
      switch (g_file_info_get_file_type (info))
        {
        case G_FILE_TYPE_DIRECTORY:
          walk (child, info, depth + 1, visited, entries, job, cancellable);
          break;
        case G_FILE_TYPE_REGULAR:
          if (sam_document_is_supported (g_file_info_get_name (info)))
            {
              Entry *entry = g_new0 (Entry, 1);

              entry->file = g_object_ref (child);
              entry->path = g_file_get_path (child);
              entry->modified = modified_of (info);
              entry->size = g_file_info_get_size (info);
              if (entry->path)
                g_ptr_array_add (entries, entry);
              else
                entry_free (entry);
            }
          break;
        case G_FILE_TYPE_UNKNOWN:
        case G_FILE_TYPE_SYMBOLIC_LINK: /* a link whose target is gone */
        case G_FILE_TYPE_SPECIAL:
        case G_FILE_TYPE_SHORTCUT:
        case G_FILE_TYPE_MOUNTABLE:
        default:
          break;
        }
    }
}

static GPtrArray *
collect_files (Job *job, GCancellable *cancellable)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) unique = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);

  for (guint i = 0; job->folders[i]; i++)
    {
      g_autoptr (GFile) folder = g_file_new_for_path (job->folders[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (GFileInfo) info =
          g_file_query_info (folder, WALK_ATTRIBUTES, G_FILE_QUERY_INFO_NONE, cancellable, &error);

      if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_DIRECTORY)
        {
          g_autofree char *reason = NULL;

          if (g_cancellable_is_cancelled (cancellable))
            break;
          reason = info ? g_strdup (_ ("This is not a folder."))
                        : g_strdup_printf (_ ("Samantha could not open this folder: %s"),
                                           error->message);
          g_ptr_array_add (job->summary->failed, problem_new (job->folders[i], NULL, reason));
          job->summary->n_failed++;
          continue;
        }
      walk (folder, info, 0, visited, entries, job, cancellable);
    }

  /* In a stable order, each file once even when two chosen folders overlap. */
  g_ptr_array_sort (entries, compare_entries);
  g_ptr_array_set_free_func (entries, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (g_hash_table_contains (seen, entry->path))
        entry_free (entry);
      else
        {
          g_hash_table_add (seen, entry->path);
          g_ptr_array_add (unique, entry);
        }
    }
  return g_steal_pointer (&unique);
}

/* The failures remembered for a file are still true when it has not changed since. */
static gboolean
failures_still_hold (GPtrArray *failures, const Entry *entry, gboolean *unreadable)
{
  *unreadable = FALSE;
  if (failures == NULL || failures->len == 0)
    return FALSE;
  for (guint i = 0; i < failures->len; i++)
    {
      SamArchiveFailure *failure = g_ptr_array_index (failures, i);

      if (failure->modified != entry->modified || failure->size != entry->size)
        return FALSE;
      if (failure->kind == SAM_ARCHIVE_FAILURE_UNREADABLE)
        *unreadable = TRUE;
    }
  return TRUE;
}

/* The failures of a file, for the summary: what the user is shown, run after run. */
static void
add_failures (SamArchiveSummary *summary, const char *path, GPtrArray *failures)
{
  for (guint i = 0; i < failures->len; i++)
    {
      SamArchiveFailure *failure = g_ptr_array_index (failures, i);

      if (failure->kind == SAM_ARCHIVE_FAILURE_SET_ASIDE)
        {
          g_ptr_array_add (summary->set_aside, problem_new (path, failure->title, failure->reason));
          summary->n_set_aside++;
        }
      else
        {
          g_ptr_array_add (summary->failed, problem_new (path, failure->title, failure->reason));
          summary->n_failed++;
        }
    }
}

/* Reads one file into chunks; FALSE when the run should stop (cancelled). */
static gboolean
index_file (Job *job, SamArchiveDb *db, Entry *entry, GCancellable *cancellable)
{
  SamArchiveSummary *summary = job->summary;
  g_autoptr (GPtrArray) documents = NULL;
  g_autoptr (GPtrArray) chunks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) inferences =
      g_ptr_array_new_with_free_func ((GDestroyNotify) inference_free);
  g_autoptr (GPtrArray) remembered = NULL;
  g_autoptr (GPtrArray) failures =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_archive_failure_free);
  g_autoptr (GError) error = NULL;
  gint64   indexed;
  gboolean unreadable = FALSE;

  indexed = sam_archive_db_get_modified (db, entry->path, &error);
  if (error == NULL)
    remembered = sam_archive_db_get_failures (db, entry->path, &error);
  if (error == NULL)
    {
      gboolean failures_hold = failures_still_hold (remembered, entry, &unreadable);

      /* Unchanged since it was read: a file that could not be read is not read again (its
       * old chunks, if any, stay), nor one whose every text was set aside; a file read with
       * some mails set aside when its chunks are from the same time. The user still sees why
       * each was left out. */
      if ((failures_hold && (unreadable || indexed < 0 || indexed == entry->modified)) ||
          (remembered->len == 0 && indexed == entry->modified))
        {
          add_failures (summary, entry->path, remembered);
          summary->n_unchanged++;
          return TRUE;
        }
    }
  g_clear_error (&error);

  summary->n_read++;
  if (!(documents = sam_document_extract (entry->file, entry->modified, cancellable, &error)))
    {
      g_autoptr (GError) save_error = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return FALSE;
      g_ptr_array_add (summary->failed, problem_new (entry->path, NULL, error->message));
      summary->n_failed++;
      /* Remembered, so it is not read again until it changes. */
      g_ptr_array_add (
          failures, sam_archive_failure_new (SAM_ARCHIVE_FAILURE_UNREADABLE, NULL, error->message));
      if (!sam_archive_db_set_failures (db, entry->path, entry->modified, entry->size, failures,
                                        &save_error))
        g_debug ("Archive: could not remember that %s failed: %s", entry->path,
                 save_error->message);
      return TRUE;
    }

  for (guint i = 0; i < documents->len; i++)
    {
      SamDocument     *document = g_ptr_array_index (documents, i);
      g_autofree char *reason = NULL;
      g_autoptr (GPtrArray) document_chunks = NULL;
      Inference *inference;

      /* Text that tries to command the assistant is neither remembered nor learned from. */
      if (sam_document_find_injection (document->text, &reason))
        {
          g_autofree char *basename = g_path_get_basename (entry->path);
          /* A mail of a mailbox is named by its subject; a file by its path alone. */
          const char *title = g_strcmp0 (document->title, basename) == 0 ? NULL : document->title;

          g_ptr_array_add (summary->set_aside, problem_new (entry->path, title, reason));
          summary->n_set_aside++;
          g_ptr_array_add (failures,
                           sam_archive_failure_new (SAM_ARCHIVE_FAILURE_SET_ASIDE, title, reason));
          continue;
        }

      document_chunks = sam_document_chunk (document->text, CHUNK_CHARS);
      for (guint c = 0; c < document_chunks->len; c++)
        g_ptr_array_add (chunks, g_strdup (g_ptr_array_index (document_chunks, c)));

      inference = g_new0 (Inference, 1);
      inference->path = g_strdup (entry->path);
      inference->when = document->when;
      inference->text = g_strdup (document->text);
      if (g_utf8_strlen (inference->text, -1) > INFER_CHARS)
        *g_utf8_offset_to_pointer (inference->text, INFER_CHARS) = '\0';
      g_ptr_array_add (inferences, inference);
    }

  /* The chunks and what was set aside, together: a file read well has no failures left. */
  if (!sam_archive_db_replace_file (db, entry->path, chunks, entry->modified, entry->size, failures,
                                    &error))
    {
      g_ptr_array_add (summary->failed, problem_new (entry->path, NULL, error->message));
      summary->n_failed++;
      return TRUE;
    }
  summary->n_indexed++;
  summary->n_chunks += chunks->len;
  g_ptr_array_extend_and_steal (job->inferences, g_steal_pointer (&inferences));
  return TRUE;
}

/* Whether FOLDER, or a folder inside it, could not be opened this run: a problem that is not
 * one of the files found (SEEN). */
static gboolean
folder_failed (SamArchiveSummary *summary, const char *folder, GHashTable *seen)
{
  g_autofree char *prefix = g_str_has_suffix (folder, G_DIR_SEPARATOR_S)
                                ? g_strdup (folder)
                                : g_strconcat (folder, G_DIR_SEPARATOR_S, NULL);

  for (guint i = 0; i < summary->failed->len; i++)
    {
      SamArchiveProblem *problem = g_ptr_array_index (summary->failed, i);

      if (!g_hash_table_contains (seen, problem->path) &&
          (g_str_equal (problem->path, folder) || g_str_has_prefix (problem->path, prefix)))
        return TRUE;
    }
  return FALSE;
}

static void
index_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SamArchiveIndexer *self = source_object;
  Job               *job = task_data;
  g_autoptr (SamArchiveDb) db = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  guint n_done = 0;

  if (!(db = sam_archive_db_open (job->db_path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  entries = collect_files (job, cancellable);
  job->summary->n_files = entries->len;
  post_progress (self, job, 0, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (g_cancellable_is_cancelled (cancellable))
        break;
      post_progress (self, job, n_done, entry->path);
      if (!index_file (job, db, entry, cancellable))
        break;
      n_done++;
    }
  post_progress (self, job, n_done, NULL);

  /* The failures of files that are gone are forgotten, after a whole run; not in a folder
   * that could not be opened (a disk not there today), whose files may well be back. */
  if (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < entries->len; i++)
        g_hash_table_add (seen, ((Entry *) g_ptr_array_index (entries, i))->path);
      for (guint i = 0; job->folders[i]; i++)
        {
          if (folder_failed (job->summary, job->folders[i], seen))
            continue;
          if (!sam_archive_db_prune_failures (db, job->folders[i], seen, &error))
            {
              g_debug ("Archive: could not forget the failures of files gone: %s", error->message);
              g_clear_error (&error);
            }
        }
    }

  job->n_done = n_done;
  job->summary->cancelled = g_cancellable_is_cancelled (cancellable);
  job->summary->elapsed = g_get_monotonic_time () - job->started;
  g_task_return_boolean (task, TRUE);
}

static void
end_run (SamArchiveIndexer *self)
{
  if (self->caller_cancellable)
    g_cancellable_disconnect (self->caller_cancellable, self->cancelled_id);
  self->cancelled_id = 0;
  g_clear_object (&self->caller_cancellable);
  g_clear_object (&self->cancellable);
  self->running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* After the thread: facts, one document at a time, on the main context. */

static void infer_next (GTask *task);

static void
extracted_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SamArchiveIndexer *self = g_task_get_source_object (task);
  Job               *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) facts =
      sam_fact_extractor_extract_finish (SAM_FACT_EXTRACTOR (object), result, &error);

  if (facts == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        job->summary->cancelled = TRUE;
      else if (job->summary->infer_error == NULL)
        job->summary->infer_error = g_strdup (error->message);
      g_debug ("Archive: no facts from a document: %s", error->message);
    }
  for (guint i = 0; facts && i < facts->len; i++)
    {
      SamFact *fact = g_ptr_array_index (facts, i);

      /* What a file says is never taken as true without the user: the review queue. */
      if (fact->status != SAM_FACT_STATUS_PENDING_REVIEW && fact->id > 0)
        sam_store_set_fact_status (self->store, fact->id, SAM_FACT_STATUS_PENDING_REVIEW, NULL);
      job->summary->n_facts++;
    }
  infer_next (g_steal_pointer (&task));
}

static void
finish_run (GTask *task)
{
  SamArchiveIndexer *self = g_task_get_source_object (task);
  Job               *job = g_task_get_task_data (task);

  job->summary->elapsed = g_get_monotonic_time () - job->started;
  g_clear_pointer (&self->summary, sam_archive_summary_free);
  self->summary = sam_archive_summary_copy (job->summary);

  set_progress (self, job->summary->n_files, job->n_done, job->summary->n_failed,
                job->summary->n_set_aside, job->summary->cancelled ? self->fraction : 1.0, NULL);
  end_run (self);

  if (job->summary->cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _ ("Reading your files was stopped; what was read is kept."));
  else
    g_task_return_pointer (task, sam_archive_summary_copy (job->summary),
                           (GDestroyNotify) sam_archive_summary_free);
}

static void
infer_next (GTask *task)
{
  SamArchiveIndexer *self = g_task_get_source_object (task);
  Job               *job = g_task_get_task_data (task);
  GCancellable      *cancellable = g_task_get_cancellable (task);
  Inference         *inference;
  SamFactSource      source = { 0 };

  if (g_cancellable_is_cancelled (cancellable))
    job->summary->cancelled = TRUE;
  if (self->extractor == NULL || job->summary->cancelled ||
      job->next_inference >= job->inferences->len)
    {
      finish_run (task);
      g_object_unref (task);
      return;
    }

  inference = g_ptr_array_index (job->inferences, job->next_inference++);
  set_progress (self, job->summary->n_files, job->n_done, job->summary->n_failed,
                job->summary->n_set_aside,
                (double) job->next_inference / (job->inferences->len + 1), inference->path);
  source.source_path = inference->path;
  source.when = inference->when;
  source.review_all = TRUE;
  sam_fact_extractor_extract_async (self->extractor, inference->text, &source, cancellable,
                                    extracted_cb, task);
}

static void
indexed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SamArchiveIndexer *self = SAM_ARCHIVE_INDEXER (object);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      set_progress (self, self->n_files, self->n_done, self->n_failed, self->n_set_aside,
                    self->fraction, NULL);
      end_run (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  infer_next (g_steal_pointer (&task));
}

static void
chain_cancel (GCancellable *caller, GCancellable *own)
{
  g_cancellable_cancel (own);
}

void
sam_archive_indexer_index_async (SamArchiveIndexer  *self,
                                 const char *const  *folders,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) thread_task = NULL;
  Job *job;

  g_return_if_fail (SAM_IS_ARCHIVE_INDEXER (self));
  g_return_if_fail (folders != NULL);

  if (self->running)
    {
      g_task_report_new_error (self, callback, user_data, sam_archive_indexer_index_async,
                               G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("Samantha is already reading your files."));
      return;
    }

  /* A cancellable of the indexer's own, so Cancel in the window stops a run that the
   * application started; the caller's cancels it too. */
  self->cancellable = g_cancellable_new ();
  if (cancellable)
    {
      self->caller_cancellable = g_object_ref (cancellable);
      self->cancelled_id =
          g_cancellable_connect (cancellable, G_CALLBACK (chain_cancel), self->cancellable, NULL);
    }
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_archive_indexer_index_async);

  job = g_new0 (Job, 1);
  job->folders = g_strdupv ((char **) folders);
  job->db_path = g_strdup (sam_store_get_path (self->store));
  job->context = g_main_context_ref_thread_default ();
  job->summary = summary_new ();
  job->inferences = g_ptr_array_new_with_free_func ((GDestroyNotify) inference_free);
  job->started = g_get_monotonic_time ();
  job->run = ++self->run;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  self->running = TRUE;
  set_progress (self, 0, 0, 0, 0, 0.0, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* The thread gets the job through its own task; the outer task returns after the facts. */
  thread_task = g_task_new (self, self->cancellable, indexed_cb, g_steal_pointer (&task));
  g_task_set_task_data (thread_task, job, NULL);
  /* A cancelled run still returns what it did, for the summary. */
  g_task_set_check_cancellable (thread_task, FALSE);
  g_task_run_in_thread (thread_task, index_thread);
}

void
sam_archive_indexer_cancel (SamArchiveIndexer *self)
{
  g_return_if_fail (SAM_IS_ARCHIVE_INDEXER (self));
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

SamArchiveSummary *
sam_archive_indexer_index_finish (SamArchiveIndexer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The object */

SamArchiveIndexer *
sam_archive_indexer_new (SamStore *store)
{
  SamArchiveIndexer *self;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);
  self = g_object_new (SAM_TYPE_ARCHIVE_INDEXER, NULL);
  self->store = g_object_ref (store);
  return self;
}

void
sam_archive_indexer_set_extractor (SamArchiveIndexer *self, SamFactExtractor *extractor)
{
  g_return_if_fail (SAM_IS_ARCHIVE_INDEXER (self));
  if (g_set_object (&self->extractor, extractor))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXTRACTOR]);
}

SamFactExtractor *
sam_archive_indexer_get_extractor (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), NULL);
  return self->extractor;
}

gboolean
sam_archive_indexer_get_running (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), FALSE);
  return self->running;
}

double
sam_archive_indexer_get_fraction (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), 0.0);
  return self->fraction;
}

const char *
sam_archive_indexer_get_current_file (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), NULL);
  return self->current_file;
}

guint
sam_archive_indexer_get_n_files (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), 0);
  return self->n_files;
}

guint
sam_archive_indexer_get_n_done (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), 0);
  return self->n_done;
}

guint
sam_archive_indexer_get_n_failed (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), 0);
  return self->n_failed;
}

guint
sam_archive_indexer_get_n_set_aside (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), 0);
  return self->n_set_aside;
}

const SamArchiveSummary *
sam_archive_indexer_get_summary (SamArchiveIndexer *self)
{
  g_return_val_if_fail (SAM_IS_ARCHIVE_INDEXER (self), NULL);
  return self->summary;
}

static void
sam_archive_indexer_finalize (GObject *object)
{
  SamArchiveIndexer *self = SAM_ARCHIVE_INDEXER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->extractor);
  g_clear_pointer (&self->summary, sam_archive_summary_free);
  g_clear_pointer (&self->current_file, g_free);
  G_OBJECT_CLASS (sam_archive_indexer_parent_class)->finalize (object);
}

static void
sam_archive_indexer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamArchiveIndexer *self = SAM_ARCHIVE_INDEXER (object);

  switch (prop_id)
    {
    case PROP_EXTRACTOR:
      g_value_set_object (value, self->extractor);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_CURRENT_FILE:
      g_value_set_string (value, self->current_file);
      break;
    case PROP_N_FILES:
      g_value_set_uint (value, self->n_files);
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, self->n_done);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    case PROP_N_SET_ASIDE:
      g_value_set_uint (value, self->n_set_aside);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_archive_indexer_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SamArchiveIndexer *self = SAM_ARCHIVE_INDEXER (object);

  switch (prop_id)
    {
    case PROP_EXTRACTOR:
      sam_archive_indexer_set_extractor (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_archive_indexer_class_init (SamArchiveIndexerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sam_archive_indexer_finalize;
  object_class->get_property = sam_archive_indexer_get_property;
  object_class->set_property = sam_archive_indexer_set_property;

  properties[PROP_EXTRACTOR] =
      g_param_spec_object ("extractor", NULL, NULL, SAM_TYPE_FACT_EXTRACTOR,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, read_only);
  properties[PROP_FRACTION] =
      g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, read_only);
  properties[PROP_CURRENT_FILE] = g_param_spec_string ("current-file", NULL, NULL, NULL, read_only);
  properties[PROP_N_FILES] = g_param_spec_uint ("n-files", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_N_DONE] = g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_N_FAILED] =
      g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_N_SET_ASIDE] =
      g_param_spec_uint ("n-set-aside", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_archive_indexer_init (SamArchiveIndexer *self)
{
}
