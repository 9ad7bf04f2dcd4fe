/* sam-test-grep.c — finds a string in any file under a directory (where a key must not be).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sam-test-grep.h"

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;
  gsize            needle_length = strlen (needle);

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  /* Byte by byte: keyrings and databases are binary. */
  for (gsize i = 0; i + needle_length <= length; i++)
    if (memcmp (contents + i, needle, needle_length) == 0)
      return TRUE;

  return FALSE;
}

/**
 * sam_test_grep_tree:
 * @dir: a directory
 * @needle: the bytes to look for
 *
 * Returns: (transfer full) (nullable): the first regular file under @dir that contains
 *   @needle, or %NULL
 */
char *
sam_test_grep_tree (const char *dir, const char *needle)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return NULL;

  while ((name = g_dir_read_name (handle)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          char *found = sam_test_grep_tree (path, needle);

          if (found)
            return found;
        }
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && file_contains (path, needle))
        return g_steal_pointer (&path);
    }

  return NULL;
}
