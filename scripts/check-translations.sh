#!/usr/bin/env bash
# The catalogues hold every translatable string of the source, nynorsk and English have no
# missing or fuzzy entries, and they compile. (Compiled .mo files are build outputs: `make`
# compiles them, so they are never stale in a checkout.)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
before=$(mktemp -d)
cp -r locale "$before/"
# Whatever happens, leave the checkout's catalogues as they were.
restore() {
  for lang in nb nn en; do cp "$before/locale/$lang/LC_MESSAGES/django.po" "locale/$lang/LC_MESSAGES/django.po"; done
  rm -rf "$before"
}
trap restore EXIT
DEBUG=true $PY manage.py makemessages -l nb -l nn -l en --ignore=.venv --ignore=var --ignore=bench \
  --no-obsolete --add-location file -v 0
status=0
for lang in nb nn en; do
  po=locale/$lang/LC_MESSAGES/django.po
  if ! diff -q -I '^"POT-Creation-Date' "$before/locale/$lang/LC_MESSAGES/django.po" "$po" >/dev/null; then
    echo "locale/$lang is out of date with the source: run 'make messages' and translate the new strings" >&2
    diff -u -I '^"POT-Creation-Date' "$before/locale/$lang/LC_MESSAGES/django.po" "$po" | head -40 >&2 || true
    status=1
  fi
done
for lang in nn en; do
  po=locale/$lang/LC_MESSAGES/django.po
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry too when anything matches
  if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "locale/$lang: $untranslated untranslated and $fuzzy fuzzy entries" >&2
    status=1
  fi
  msgfmt --check-format -o /dev/null "$po"
done
restore
trap - EXIT
DEBUG=true $PY manage.py compilemessages --ignore=.venv --ignore=var -v 0
[ $status -eq 0 ] && echo "translations: up to date"
exit $status
