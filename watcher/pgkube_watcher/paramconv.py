# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""camelCase -> snake_case for the extra vars, as ansible-operator converts spec keys
(reference ansible-contracts.md §1.5).

- word boundaries: lower/digit -> upper (``numberOfInstances`` -> ``number_of_instances``), and the end of
  an acronym run (``spiloFSGroup`` -> ``spilo_fs_group``);
- ``HTTP``, ``URL``, ``IP`` (and plurals ``HTTPs``, ``URLs``, ``IPs``) stay one word
  (``egressIPs`` -> ``egress_ips``, ``URLegressIPEgressHTTP`` -> ``url_egress_ip_egress_http``);
- digits stay with their word (``sizeK8sBuckets`` -> ``size_k8s_buckets``);
- a key starting with an upper-case letter gets a leading underscore, unless it starts with one of the
  special words (the reference's own example: ``URLegressIPEgressHTTP`` -> ``url_egress_ip_egress_http``);
- conversion is recursive: keys of nested maps, also inside lists.
"""

SPECIAL_WORDS = ("HTTP", "URL", "IP")


def _special_word_at(name, index):
    """Length of a special word starting at ``index`` (0 when none)."""
    for word in SPECIAL_WORDS:
        if name.startswith(word, index):
            end = index + len(word)
            if end < len(name) and name[end] == "s" and (end + 1 == len(name) or not name[end + 1].islower()):
                return len(word) + 1
            return len(word)
    return 0


def _words(name):
    words, current, i = [], "", 0
    while i < len(name):
        char = name[i]
        if char == "_":
            if current:
                words.append(current)
            current = ""
            i += 1
            continue
        if char.isupper():
            special = _special_word_at(name, i)
            if special:
                if current:
                    words.append(current)
                words.append(name[i:i + special])
                current = ""
                i += special
                continue
            # start of a new word after lower/digit, or the last capital of an acronym run before lower
            nxt = name[i + 1] if i + 1 < len(name) else ""
            prev = name[i - 1] if i > 0 else ""
            if current and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower())):
                words.append(current)
                current = ""
        current += char
        i += 1
    if current:
        words.append(current)
    return words


def to_snake(name):
    """One key converted; see the module docstring."""
    if not name:
        return name
    snake = "_".join(word.lower() for word in _words(name))
    if name[0].isupper() and not _special_word_at(name, 0):
        snake = "_" + snake
    return snake


def convert_keys(value):
    """``value`` with every map key converted recursively (lists walked too)."""
    if isinstance(value, dict):
        return dict((to_snake(k) if isinstance(k, str) else k, convert_keys(v)) for k, v in value.items())
    if isinstance(value, list):
        return [convert_keys(item) for item in value]
    return value
