"""Facts: the collector's answer parsed into typed values, and their (de)serialisation."""
