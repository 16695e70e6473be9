"""The evidence map: findings in, a graph, a network page, an evidence-gap matrix and a bundle out."""
