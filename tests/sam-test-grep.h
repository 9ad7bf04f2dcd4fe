/* sam-test-grep.h — finds a string in any file under a directory (where a key must not be).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *sam_test_grep_tree (const char *dir, const char *needle);

G_END_DECLS
