"""The records of a CSV file, as the sniffer, the import and its error report all read them (so that they
agree on the rows and their numbers): ``csv.reader`` over lines read with ``newline=""`` (LF, CR LF or a
lone CR ends a line; a line break inside quotes stays in its cell), with one repair.

A quote that is never closed makes csv read the rest of the file (up to the 1 MB a cell may hold) as one
cell: the rows under it would be lost without a word. A quoted cell that takes in a line that looks like
a row of its own (the header's width, an email address in one of its cells) is taken for that: its row
comes as a ``BrokenRow`` (the cells of its first line, reason ``unbalanced quote``) and the lines it took
are read again, as rows. A line break inside a cell that is not followed by such a line (an address on
two lines) is left as it is.
"""

import csv

from leads.normalization import InvalidLead, normalize_email

UNBALANCED_QUOTE = (
    "unbalanced quote: the quote opened on line {line} of the file is not closed before the rows under it; "
    "they are read as rows of their own."
)


def looks_like_email(value):
    if "@" not in value:
        return False
    try:
        normalize_email(value)
    except InvalidLead:
        return False
    return True


class BrokenRow(list):
    """A row whose quote is never closed: the cells of its first line, and why it is not imported."""

    def __init__(self, cells, reason):
        super().__init__(cells)
        self.reason = reason


class Records:
    """The records of ``text`` (lines read with ``newline=""``) as ``csv.reader`` reads them, except that
    a quoted cell which takes in lines that look like rows of their own (the header's width, an email
    address in a cell) comes as a ``BrokenRow`` and those lines are read again as rows. The first record
    is the header, read as it is.

    The sniffer, the import and its error report read files through this one class, so that they agree
    on the rows and their numbers."""

    def __init__(self, text, *, delimiter):
        self.delimiter = delimiter
        self._width = None
        self._text = text
        self._lines = []  # the lines of the record being read
        self._again = []  # lines to read again, the next one last
        self._lines_fed = 0  # by the readers before the current one
        self._read_again = 0

    def _feed(self, text):
        lines, again = self._lines, self._again
        for line in text:
            while again:
                lines.append(again[-1])
                yield again.pop()
            lines.append(line)
            yield line
        while again:
            lines.append(again[-1])
            yield again.pop()

    def __iter__(self):
        lines = self._lines
        reader = csv.reader(self._feed(self._text), delimiter=self.delimiter)
        header = next(reader, None)
        if header is None:
            return
        self._width = len(header)
        lines.clear()
        yield header
        while True:
            try:
                for record in reader:
                    # A record of one line (nearly all of them) costs this one check.
                    if len(lines) > 1 and self._swallowed_rows(closed=True):
                        record = self._broken(reader)
                    lines.clear()
                    yield record
            except csv.Error:
                # A cell past the 1 MB limit: a quote never closed, if it took in rows.
                if len(lines) < 2 or not self._swallowed_rows(closed=False):
                    raise
                record = self._broken(reader)
                lines.clear()
                yield record
                continue
            if not self._again:
                return
            # The quote ran to the end of the file: what it took is read by a reader of its own.
            self._lines_fed += reader.line_num
            reader = csv.reader(self._feed(iter(())), delimiter=self.delimiter)

    def _swallowed_rows(self, *, closed):
        """Whether the record's quoted cell took in a line that is a row: any line but its first, and its
        last unless the cell's closing quote is there (followed by a delimiter or the line's end)."""
        taken = self._lines[1:] if not closed or not self._closes(self._lines[-1]) else self._lines[1:-1]
        return any(map(self._is_row, taken))

    def _closes(self, line):
        at = line.find('"')
        while at != -1 and line[at + 1 : at + 2] == '"':
            at = line.find('"', at + 2)
        return at != -1 and line[at + 1 : at + 2] in ("", "\r", "\n", self.delimiter)

    def _is_row(self, line):
        try:
            cells = next(csv.reader([line.rstrip("\r\n")], delimiter=self.delimiter), [])
        except csv.Error:
            return False
        return len(cells) == self._width and any(map(looks_like_email, cells))

    def _broken(self, reader):
        lines = self._lines
        line_number = self._lines_fed + reader.line_num - len(lines) - self._read_again + 1
        self._again.extend(reversed(lines[1:]))
        self._read_again += len(lines) - 1
        cells = next(csv.reader([lines[0].rstrip("\r\n")], delimiter=self.delimiter), [])
        return BrokenRow(cells, UNBALANCED_QUOTE.format(line=line_number))
