/* sam-crisis-resources.h — crisis lines by country, chosen from the locale, as text or data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_CRISIS_CONTACT_CALL,
  SAM_CRISIS_CONTACT_TEXT,
  SAM_CRISIS_CONTACT_CALL_TEXT,
} SamCrisisContact;

/* One crisis line. Owned by the resources it came from. */
typedef struct
{
  const char        *name;
  const char        *number; /* as written for people: "0800 111 0 111" */
  SamCrisisContact   contact;
  const char        *keyword; /* what to text, or NULL */
  const char        *hours;   /* "24/7" or "HH:MM-HH:MM" (every day) */
  const char        *url;
  const char        *source; /* the page that states the number */
  const char *const *languages;
} SamCrisisLine;

#define SAM_TYPE_CRISIS_RESOURCES (sam_crisis_resources_get_type ())

G_DECLARE_FINAL_TYPE (SamCrisisResources, sam_crisis_resources, SAM, CRISIS_RESOURCES, GObject)

SamCrisisResources *sam_crisis_resources_new_from_bytes (GBytes *json, GError **error);
SamCrisisResources *sam_crisis_resources_new_builtin (GError **error);
SamCrisisResources *sam_crisis_resources_get_default (void);

char     **sam_crisis_resources_list_countries (SamCrisisResources *self);
gboolean   sam_crisis_resources_has_country (SamCrisisResources *self, const char *country);
GPtrArray *sam_crisis_resources_get_lines (SamCrisisResources *self,
                                           const char         *country,
                                           const char         *language);
const char *
sam_crisis_resources_get_emergency_number (SamCrisisResources *self, const char *country);
const char *sam_crisis_resources_get_directory_name (SamCrisisResources *self);
const char *sam_crisis_resources_get_directory_url (SamCrisisResources *self);

char *sam_crisis_resources_format_text (SamCrisisResources *self, const char *country);

char *sam_crisis_line_describe (const SamCrisisLine *line);

char *sam_crisis_country_from_locale (const char *locale);
char *sam_crisis_language_from_locale (const char *locale);
char *sam_crisis_locale_from_environment (void);
char *sam_crisis_country_from_environment (void);

G_END_DECLS
