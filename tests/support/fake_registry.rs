//! A skill registry on 127.0.0.1 for the skills tests: static files (manifest, .sig, artifacts) with ETags and injected faults.
