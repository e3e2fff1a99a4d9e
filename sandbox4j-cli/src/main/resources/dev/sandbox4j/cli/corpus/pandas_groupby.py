# LLM-style data analysis: build two tables, merge and aggregate them
import pandas as pd

sales = pd.DataFrame({
    "region": ["north", "south", "north", "east", "south", "east", "north"],
    "product": ["a", "b", "a", "c", "a", "b", "c"],
    "units": [10, 4, 7, 3, 12, 8, 5],
})
prices = pd.DataFrame({"product": ["a", "b", "c"], "price": [2.5, 4.0, 10.0]})
df = sales.merge(prices, on="product")
df["revenue"] = df["units"] * df["price"]
summary = df.groupby("region")[["units", "revenue"]].sum().sort_values("revenue", ascending=False)
print(summary.to_string())
print("total revenue:", df["revenue"].sum())
