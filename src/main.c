/* main.c — the entry point: translations, then the application.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sam-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (SamApplication) app = NULL;

  /* LANG may name a locale the system lacks (de_DE.UTF-8 on a bare install). The C fallback
   * reads arguments as ASCII and rejects "--ask 'Ich möchte …'", so fall back to C.UTF-8. */
  if (setlocale (LC_ALL, "") == NULL)
    setlocale (LC_ALL, "C.UTF-8");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = sam_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
