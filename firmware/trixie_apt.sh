# Source this file (bash): a private apt configuration for Debian trixie, to download .debs and
# source tarballs that bookworm lacks (pico-sdk-source, tinyusb-source, mbedtls 3.6) without
# touching the machine's own apt sources or installing anything system-wide.
#
#   trixie_apt_init DIR            lists under DIR/apt (apt-get update of trixie main, ~3 s)
#   trixie_apt_download DIR PKG    PKG's .deb (trixie's candidate) into DIR; prints its path
#   trixie_apt_orig DIR SRCPKG     SRCPKG's upstream tarball (orig.tar.*) into DIR, hash-checked
#                                  against trixie's signed Sources index; prints its path
#   trixie_apt_version PKG         trixie's candidate version of a binary package
#
# The mirror URI is the one this machine already uses (from its deb822 .sources or one-line .list
# files), so no registry host name is written into this repository.

_TRIXIE_APT_OPTS=()

_trixie_log() { echo "trixie_apt: $*" >&2; }

trixie_apt_init() {
    local dir="$1/apt" uri
    uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v -e security -e '^$' | grep -i debian | head -n1 || true)"
    if [ -z "$uri" ]; then
        uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | grep -i debian | head -n1 || true)"
    fi
    if [ -z "$uri" ]; then
        _trixie_log "error: no Debian apt source found on this machine to derive the mirror URI from"
        return 1
    fi
    mkdir -p "$dir/lists/partial" "$dir/sources.list.d" "$dir/cache/archives/partial"
    printf 'Types: deb deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" > "$dir/sources.list.d/trixie.sources"
    # Dir::State::status=/dev/null: trixie's packages are resolved against an empty system, so
    # nothing installed here (bookworm) is considered; APT::Sandbox::User=root: the private
    # folders are root's, and `_apt` could not write to them.
    _TRIXIE_APT_OPTS=(
        -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
        -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
        -o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=/dev/null"
        -o "Dir::Cache=$dir/cache" -o "Dir::Cache::Archives=$dir/cache/archives"
        -o "APT::Sandbox::User=root"
    )
    apt-get "${_TRIXIE_APT_OPTS[@]}" update -qq >&2
}

trixie_apt_version() {
    apt-cache "${_TRIXIE_APT_OPTS[@]}" policy "$1" | awk '/Candidate:/ {print $2}'
}

trixie_apt_download() {
    local out="$1" pkg="$2"
    (cd "$out" && apt-get "${_TRIXIE_APT_OPTS[@]}" download -qq "$pkg" >&2)
    ls "$out/${pkg}_"*.deb | head -n1
}

trixie_apt_orig() {
    local out="$1" src="$2" line uri name size hash
    # --print-uris lists 'URI' NAME SIZE SHA256:HASH for each file of the source package; only the
    # upstream tarball is fetched (the .dsc is not needed, and is sometimes missing on mirrors).
    line="$(cd "$out" && apt-get "${_TRIXIE_APT_OPTS[@]}" source --print-uris -qq "$src" 2>/dev/null | grep -E "\.orig\.tar\.[a-z0-9]+' " | head -n1)"
    if [ -z "$line" ]; then
        _trixie_log "error: no upstream tarball for source package $src in trixie"
        return 1
    fi
    read -r uri name size hash <<< "$line"
    uri="${uri//\'/}"
    /usr/lib/apt/apt-helper "${_TRIXIE_APT_OPTS[@]}" download-file "$uri" "$out/$name" "$hash" >&2
    echo "$out/$name"
}
