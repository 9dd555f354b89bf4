using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class PrivateItems : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IsPrivate",
                table: "Generations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "IsPrivate",
                table: "Generations");
        }
    }
}
