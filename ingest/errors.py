"""Errors raised while reading the corpus."""


class LoadError(Exception):
    """A file that cannot be ingested: the message names the file, the problem and the fix."""

    def __init__(self, path, problem: str, fix: str):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}; {fix}")

    def __reduce__(self):  # so that a LoadError raised in the extraction process arrives whole
        return (LoadError, (self.path, self.problem, self.fix))


class Unsupported(LoadError):
    """A file of a format no loader reads (inside an archive or email: listed as ignored, not failed)."""

    def __reduce__(self):
        return (Unsupported, (self.path, self.problem, self.fix))
