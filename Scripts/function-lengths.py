#!/usr/bin/env python3
"""Swift functions longer than a limit (issue #25: none over 80 lines outside numerical kernels).

    Scripts/function-lengths.py [LIMIT] [FOLDER...]     (default: 80 Sources)

A function's length runs from the line of its declaration (func, init, deinit, subscript, an
accessor, a computed property or a closure-valued let/var) to the line of its closing brace,
comments and blank lines included; strings and comments are skipped when matching braces. A
function whose doc comment calls it a "numerical kernel" (with the reason) is listed apart and
not counted. Exits 1 when any other function is over the limit.
"""
import os
import re
import sys

args = sys.argv[1:]
limit = int(args.pop(0)) if args and args[0].isdigit() else 80
folders = args or ["Sources"]
declaration = re.compile(r'\b(func\s+[^\s(<]+|(?<![.\w])init[?!]?\s*[(<]|deinit\b|subscript\s*[(<]'
                         r'|(?:get|set|willSet|didSet)\s*\{|(?:static\s+)?(?:let|var)\s+\w+[^=\n]*=\s*\{'
                         r'|var\s+\w+\s*:\s*[^=\n{]+\{)')


def blanked(text):
    """The text with comments and string literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith('"""', i):
            j = text.find('"""', i + 3)
            j = n if j < 0 else j + 3
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(re.sub(r'[^\n]', ' ', text[i:j]))
        i = j
    return ''.join(out)


over, kernels = [], []
for folder in folders:
    for root, _, files in os.walk(folder):
        for name in files:
            if not name.endswith('.swift'):
                continue
            path = os.path.join(root, name)
            original = open(path, encoding='utf-8').read()
            text = blanked(original)
            lines = original.split('\n')
            for match in declaration.finditer(text):
                brace = text.find('{', match.start())
                if brace < 0:
                    continue
                depth, k = 0, brace
                while k < len(text):
                    depth += {'{': 1, '}': -1}.get(text[k], 0)
                    if depth == 0:
                        break
                    k += 1
                first = text.count('\n', 0, match.start())
                length = text.count('\n', 0, k) - first + 1
                if length <= limit:
                    continue
                doc = '\n'.join(lines[max(0, first - 8):first])
                entry = (length, f"{path}:{first + 1}", match.group(1).strip())
                (kernels if 'numerical kernel' in doc else over).append(entry)

for length, place, what in sorted(over, reverse=True):
    print(f"{length:4d} {place} {what}")
for length, place, what in sorted(kernels, reverse=True):
    print(f"{length:4d} {place} {what} (numerical kernel, exempt)")
sys.exit(1 if over else 0)
