"""The gradebook of a term: every attempt in DIR/grades.sqlite (`db`, `record`), which attempt
counts (`policy`), deadlines and late penalties (`deadlines`), the secret seed (`seed`), the
roster (`roster`), and the files rewritten from it after each run (`views`)."""
