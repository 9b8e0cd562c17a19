"""Code that runs in AWS (a canary's script, a Lambda's handler), kept in the repository as real files."""
