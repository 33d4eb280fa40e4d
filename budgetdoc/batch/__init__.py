"""Batch builds: one document's job, the build, output files, manifest, pool, shards, cluster."""
