# Sourced by build.sh: `build.sh package` makes build/package/<function>.zip for each
# function: `bootstrap` (the binary), lib/ (every shared library it needs beyond glibc,
# found on Lambda through /var/task/lib in the default LD_LIBRARY_PATH) and data/
# (triage policy and sample KB; the models only for functions that declare they need
# them, which keeps the others' zips small). It fails when anything needs a glibc newer than
# provided.al2023's 2.34.
#
# The MongoDB store is a run-time plugin (shared/src/store/store_plugin.h) whose libraries
# (libmongoc, libbson, libmongocrypt, ICU with its 30 MB data library, SASL...) only a
# deployment with a mongodb:// CS_STORE_URI needs. template.yaml deploys with a
# mongodb:// StoreUri, so that is what the zips carry unless asked otherwise:
#   ./build.sh package (CS_PACKAGE_STORE=mongodb)  adds lib/libcs-store-mongo.so and its
#                                                 libraries to every zip (bootstrap finds
#                                                 it in /var/task/lib)
#   CS_PACKAGE_STORE=sqlite ./build.sh package    no plugin (zips ~16 MB smaller): for a
#                                                 sqlite:// store on a mounted file
#                                                 system; a mongodb:// URI then fails at
#                                                 init, logging that the plugin is missing.

# provided.al2023's glibc. CS_PACKAGE_GLIBC_MAX (read when packaging) raises it only to
# check the zips' layout on a newer build host (the packaged-bootstrap test does); such
# zips are not for Lambda.
PKG_GLIBC_MAX=2.34

pkg_glibc_needed() { # highest GLIBC_x.y symbol version an ELF file needs
    # `|| true`: a data-only library (libicudata) has no versioned symbols, and under
    # pipefail grep's "no match" would end the whole package run.
    { objdump -T "$1" 2>/dev/null | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' || true; } |
        sed 's/GLIBC_//' | sort -V | tail -1
}

pkg_libs() { # ELF file, stage dir: copies the shared libraries it needs beyond glibc
    local lib
    for lib in $(ldd "$1" | awk '/=> \//{print $3}'); do
        case $(basename "$lib") in
            libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libresolv.so*) ;;
            *) [ -e "$2/lib/$(basename "$lib")" ] || cp -L "$lib" "$2/lib/" ;;
        esac
    done
}

# libcurl is loaded at run time (shared/src/net/curl_lazy.c), so ldd of a function does not
# name it; the Lambda loop needs it in every zip.
pkg_curl() { # stage dir
    local lib; lib=$(ldconfig -p | awk '$1=="libcurl.so.4" && /x86-64/ && !n++{print $NF}')
    [ -n "$lib" ] || { echo "package: libcurl.so.4 not found (build.sh deps installs it)" >&2; return 1; }
    cp -L "$lib" "$1/lib/libcurl.so.4"
    pkg_libs "$lib" "$1"
}

pkg_stage() { # function name, stage dir, store (sqlite|mongodb)
    local f=$1 stage=$2 store=$3
    mkdir -p "$stage/lib" "$stage/data"
    cp "$REL/bin/$f" "$stage/bootstrap"
    pkg_libs "$REL/bin/$f" "$stage"
    pkg_curl "$stage"
    if [ "$store" = mongodb ]; then
        cp "$REL/lib/libcs-store-mongo.so" "$stage/lib/"
        pkg_libs "$REL/lib/libcs-store-mongo.so" "$stage"
    fi
    cp -r data/policy data/kb "$stage/data/"
    if "$REL/bin/$f" --routes | grep -q '"models"'; then
        cp -r data/models "$stage/data/"
        pkg_lang "$stage"
    fi
}

pkg_lang() { # stage dir: triage's language list and the libexttextcat fingerprints it names
    mkdir -p "$1/data/triage/lang"
    cp data/triage/languages.conf "$1/data/triage/"
    local lm
    for lm in $(awk '!/^#/ && NF {print $1}' data/triage/languages.conf); do
        cp "/usr/share/libexttextcat/$lm" "$1/data/triage/lang/" || return 1
    done
}

cmd_package() {
    local store=${CS_PACKAGE_STORE:-mongodb}
    case $store in
        sqlite|mongodb) ;;
        *) echo "package: CS_PACKAGE_STORE must be mongodb (default) or sqlite, not '$store'" >&2; return 2 ;;
    esac
    cmd_build
    local out=build/package f bad=0 PKG_GLIBC_MAX=${CS_PACKAGE_GLIBC_MAX:-$PKG_GLIBC_MAX}
    log "packaging for the $store store"
    rm -rf "$out"
    mkdir -p "$out"
    for f in $(LC_ALL=C ls "$REL/bin"); do
        local stage="$out/stage/$f" elf need
        pkg_stage "$f" "$stage" "$store"
        for elf in "$stage/bootstrap" "$stage"/lib/*; do
            need=$(pkg_glibc_needed "$elf")
            if [ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$PKG_GLIBC_MAX" | sort -V | tail -1)" != "$PKG_GLIBC_MAX" ]; then
                echo "package: $f: $(basename "$elf") needs glibc $need > $PKG_GLIBC_MAX" >&2
                bad=1
            fi
        done
        (cd "$stage" && zip -qr "../../$f.zip" .)
        printf '%-24s %8s bytes\n' "$f.zip" "$(stat -c %s "$out/$f.zip")"
    done
    rm -rf "$out/stage"
    [ $bad -eq 0 ] || { echo "package: build on a system with glibc <= $PKG_GLIBC_MAX (e.g. Amazon Linux 2023) for Lambda" >&2; return 1; }
}
