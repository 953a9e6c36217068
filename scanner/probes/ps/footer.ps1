# The one object this script outputs.
@{ exready_collector = $ExCollectorVersion; schema = 1; facts = $ExFacts }
