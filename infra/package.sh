# Sourced by build.sh: `build.sh package` makes build/package/<function>.zip for each
# function: `bootstrap` (the binary), lib/ (every shared library it needs beyond glibc,
# found on Lambda through /var/task/lib in the default LD_LIBRARY_PATH) and data/
# (triage policy and sample KB; the models only for functions that declare they need
# them, which keeps the others' zips small). It fails when anything needs a glibc newer than
# provided.al2023's 2.34.

PKG_GLIBC_MAX=2.34

pkg_glibc_needed() { # highest GLIBC_x.y symbol version an ELF file needs
    objdump -T "$1" 2>/dev/null | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' |
        sed 's/GLIBC_//' | sort -V | tail -1
}

pkg_stage() { # function name, stage dir
    local f=$1 stage=$2 lib
    mkdir -p "$stage/lib" "$stage/data"
    cp "$REL/bin/$f" "$stage/bootstrap"
    for lib in $(ldd "$REL/bin/$f" | awk '/=> \//{print $3}'); do
        case $(basename "$lib") in
            libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libresolv.so*) ;;
            *) cp -L "$lib" "$stage/lib/" ;;
        esac
    done
    cp -r data/policy data/kb "$stage/data/"
    if "$REL/bin/$f" --routes | grep -q '"models"'; then cp -r data/models "$stage/data/"; fi
}

cmd_package() {
    cmd_build
    local out=build/package f bad=0
    rm -rf "$out"
    mkdir -p "$out"
    for f in $(LC_ALL=C ls "$REL/bin"); do
        local stage="$out/stage/$f" elf need
        pkg_stage "$f" "$stage"
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
