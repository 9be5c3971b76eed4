#!/bin/sh
# Refreshes the template of UI strings from the screens' sources and merges
# it into each language's .po file (new strings arrive untranslated).
set -e
cd "$(dirname "$0")/../.."
xgettext --keyword=T --keyword=N_ --keyword=NT:1,2 --keyword=i18n_ntr:2,3 --language=C --from-code=UTF-8 --no-location \
  --sort-output --package-name=Blik -o assets/po/blik.pot app/screens/*.c
for po in assets/po/*.po; do
  msgmerge --quiet --update --backup=none --no-location --sort-output "$po" assets/po/blik.pot
done
