/* sam-test-util.h — shared helpers for Samantha's test programs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

const char *sam_test_init_environment (void);
char       *sam_test_fixture_path (const char *name);
GBytes     *sam_test_load_fixture (const char *name);
void        sam_test_copy_tree (const char *from, const char *to);

G_END_DECLS
