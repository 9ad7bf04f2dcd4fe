/* sam-test-util.c — shared helpers for Samantha's test programs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "sam-test-util.h"

static char *test_home;

static void
remove_test_home (void)
{
  g_autofree char *command = NULL;

  if (test_home == NULL || g_getenv ("SAMANTHA_TEST_KEEP_HOME"))
    return;

  /* The tree is ours alone and under the temporary directory. */
  command = g_strdup_printf ("rm -rf '%s'", test_home);
  if (system (command) != 0)
    g_printerr ("could not remove %s\n", test_home);
  g_clear_pointer (&test_home, g_free);
}

/* Gives the test a home of its own, so nothing it stores touches the real user's data or
 * another test running in parallel. Returns the directory; it is removed at exit. */
const char *
sam_test_init_environment (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *config = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *settings_dir = NULL;
  g_autofree char *keyfile = NULL;

  if (test_home != NULL)
    return test_home;

  test_home = g_dir_make_tmp ("samantha-home-XXXXXX", &error);
  g_assert_no_error (error);

  data = g_build_filename (test_home, "data", NULL);
  config = g_build_filename (test_home, "config", NULL);
  cache = g_build_filename (test_home, "cache", NULL);
  g_mkdir_with_parents (data, 0700);
  g_mkdir_with_parents (config, 0700);
  g_mkdir_with_parents (cache, 0700);

  /* UI tests keep settings in a key file here (GSETTINGS_BACKEND=keyfile), shared with the
   * `samantha` processes they start. It starts as a returning user's: the installation is
   * done, so the app opens its main window. test-installation undoes that itself. */
  settings_dir = g_build_filename (config, "glib-2.0", "settings", NULL);
  keyfile = g_build_filename (settings_dir, "keyfile", NULL);
  g_mkdir_with_parents (settings_dir, 0700);
  g_file_set_contents (keyfile, "[io/github/samanthaos/Samantha]\ninstallation-done=true\n", -1,
                       &error);
  g_assert_no_error (error);

  g_setenv ("HOME", test_home, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);

  /* Programs a test starts (the real samantha binary) are checked by AddressSanitizer but
   * not for leaks: LeakSanitizer's tracer now and then crashes on its own at exit in
   * processes with worker threads (google/sanitizers#1353), and a child's crash would fail
   * the test with no way to tell it apart. Leaks are checked in the test processes. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    g_setenv ("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", TRUE);

  /* The developer's own provider settings must not leak into a test. */
  g_unsetenv ("SAMANTHA_API_KEY");
  g_unsetenv ("SAMANTHA_PROVIDER");
  g_unsetenv ("SAMANTHA_BASE_URL");
  g_unsetenv ("SAMANTHA_MODEL");

  atexit (remove_test_home);

  return test_home;
}

char *
sam_test_fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
}

GBytes *
sam_test_load_fixture (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = sam_test_fixture_path (name);
  g_autofree char *contents = NULL;
  gsize            length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

/* Copies the folder FROM, with everything under it, to TO. */
void
sam_test_copy_tree (const char *from, const char *to)
{
  g_autoptr (GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *target = g_build_filename (to, name, NULL);

      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        sam_test_copy_tree (source, target);
      else
        {
          g_autofree char *contents = NULL;
          gsize            length;

          g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
          g_assert_true (g_file_set_contents (target, contents, length, NULL));
        }
    }
}
