#!/bin/sh
# check-translations.sh SOURCE_ROOT — fails when a translatable string has no German or French
# translation, or a translation is fuzzy. The template is extracted afresh from POTFILES.in.
set -eu
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
xgettext --package-name=samantha --directory="$root" --files-from=po/POTFILES.in \
  --output="$tmp/samantha.pot" --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_printerr:1:c-format --flag=g_print:1:c-format

status=0
for lang in $(grep -v '^#' po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching --output-file="$tmp/$lang.po" "po/$lang.po" "$tmp/samantha.pot"
  msgattrib --untranslated --no-obsolete "$tmp/$lang.po" > "$tmp/$lang.untranslated"
  msgattrib --only-fuzzy --no-obsolete "$tmp/$lang.po" > "$tmp/$lang.fuzzy"
  untranslated=$(grep -c '^msgid ' "$tmp/$lang.untranslated" || true)
  fuzzy=$(grep -c '^msgid ' "$tmp/$lang.fuzzy" || true)
  # The header entry counts once in each non-empty file.
  [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
  [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
  if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
    echo "$lang: $untranslated untranslated, $fuzzy fuzzy:"
    grep -A1 '^msgid ' "$tmp/$lang.untranslated" "$tmp/$lang.fuzzy" | grep -v '^--$' | grep -v 'msgid ""$' | head -40
    status=1
  else
    echo "$lang: complete"
  fi
  msgfmt --check --output-file=/dev/null "$tmp/$lang.po"
done
exit $status
