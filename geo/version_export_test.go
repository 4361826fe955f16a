package geo

// ComputeVersionSums hashes the crimes, histories and stops as Build does.
func ComputeVersionSums(d *Dataset) { d.computeSums() }
