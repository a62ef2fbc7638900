"""The backend as a Ray Serve application (docs/ray.md): sampler replicas, one data-parallel learner, versioned
weight sync, and Serve's gRPC proxy serving ajet.v1.Backend. Needs the `ray` extra (ray[serve]==2.60.0)."""
